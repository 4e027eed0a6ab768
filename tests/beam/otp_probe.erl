%% Runs BEAM scenarios on real Erlang nodes and prints what they did, one JSON object a line.
%%
%% Compiled at test time (erlc), with modelcheck's otp_nodes.erl, into a temporary folder;
%% the controller runs
%%   erl -noshell -pa DIR -eval 'otp_probe:main(["SCENARIO" | "all", "RUNS", "TAG"])'
%% and starts every node with otp_nodes:start/5 (peer over stdio, so the controller is never
%% a distribution peer that could reconnect two sides of a partition; every node on
%% 127.0.0.1; a partition held by per-side wrong cookies; a heal restores the cookies and the
%% next send, or net_kernel:connect_node/1, reconnects).
%%
%% The first line is {"otp": RELEASE, "version": OTP_VERSION}; then one line per run:
%% {"scenario": S, "run": I, ...what was observed...}. Nodes are named by a letter (a, b, c)
%% followed by the tag and the run, so names sort as their letters do.
-module(otp_probe).
-export([main/1, recorder/1, sender/3, global_proc/1]).

-define(COOKIE, probe_cookie).
-define(WAIT, 5000).
-define(SCENARIOS, [fifo, down_after_messages, connection_loss, nodedown_nodeup,
                    partition_sends_lost, reconnect_on_send, global_random_exit_name,
                    global_random_notify_name, global_notify_all_name, pg_partition,
                    overlap_on, overlap_off]).

main([Which, Runs, Tag]) ->
    try
        otp_nodes:emit(#{otp => list_to_binary(erlang:system_info(otp_release)),
                         version => list_to_binary(otp_nodes:otp_version())}),
        Scenarios = case Which of
                        "all" -> ?SCENARIOS;
                        _ -> [list_to_atom(Which)]
                    end,
        N = list_to_integer(Runs),
        %% The scenarios run side by side (each on its own nodes, one run after another):
        %% most of a run is waiting, for nodes to boot and for timeouts.
        Self = self(),
        Workers = [{S, spawn_link(fun() ->
                                         Self ! {self(), [run(S, I, Tag) || I <- lists:seq(1, N)]}
                                 end)} || S <- Scenarios],
        [[otp_nodes:emit(Line) || Line <- receive {Pid, Lines} -> Lines end]
         || {_, Pid} <- Workers],
        halt(0)
    catch Class:Reason:Stack ->
        io:format(standard_error, "otp_probe: ~p:~p ~p~n", [Class, Reason, Stack]),
        halt(1)
    end.

run(Scenario, I, Tag) ->
    Observed = scenario(Scenario, I, Tag ++ "_" ++ short(Scenario)),
    Observed#{scenario => Scenario, run => I}.

short(Scenario) -> [C || C <- atom_to_list(Scenario), C =/= $_].

%% -- scenarios ------------------------------------------------------------------------------

%% Two processes on a send K numbered messages each to one on b: the order it got them in.
scenario(fifo, I, Tag) ->
    K = 20,
    [{_, A, _}, {_, B, _}] = Nodes = start([a, b], Tag, I, []),
    R = spawn_on(B, ?MODULE, recorder, [self_name]),
    S1 = spawn_on(A, ?MODULE, sender, [R, s1, K]),
    S2 = spawn_on(A, ?MODULE, sender, [R, s2, K]),
    peer:call(A, erlang, send, [S1, go]),
    peer:call(A, erlang, send, [S2, go]),
    Got = wait_count(B, R, 2 * K),
    stop(Nodes),
    #{received => [[S, N] || {msg, {S, N}} <- Got]};

%% p on b sends K messages to w on a, which monitors it, then exits: where the DOWN falls.
scenario(down_after_messages, I, Tag) ->
    K = 10,
    [{_, A, _}, {_, B, _}] = Nodes = start([a, b], Tag, I, []),
    W = spawn_on(A, ?MODULE, recorder, [self_name]),
    P = spawn_on(B, erlang, apply, [fun() -> receive go -> ok end,
                                             [W ! {m, N} || N <- lists:seq(1, K)],
                                             exit(done) end, []]),
    peer:call(A, erlang, send, [W, {do, fun() -> erlang:monitor(process, P) end}]),
    sync_recorder(A, W),
    peer:call(B, erlang, send, [P, go]),
    Got = wait_count(A, W, K + 1),
    stop(Nodes),
    #{events => [event(E) || E <- Got]};

%% w on a links to, monitors and watches the node of p on b (in a different order each
%% run), traps exits; the connection is cut: the order of EXIT, DOWN and nodedown.
scenario(connection_loss, I, Tag) ->
    [{_, A, _}, {_, B, NB}] = Nodes = start([a, b], Tag, I, []),
    P = spawn_on(B, timer, sleep, [infinity]),
    W = spawn_on(A, ?MODULE, recorder, [trap_exit]),
    Orders = permutations([link, monitor, nodes]),
    Order = lists:nth(1 + (I - 1) rem length(Orders), Orders),
    Setup = fun(link) -> fun() -> link(P) end;
               (monitor) -> fun() -> erlang:monitor(process, P) end;
               (nodes) -> fun() -> net_kernel:monitor_nodes(true) end
            end,
    [peer:call(A, erlang, send, [W, {do, Setup(What)}]) || What <- Order],
    sync_recorder(A, W),
    partition(Nodes, [[a], [b]]),
    Got = wait_count(A, W, 3),
    _ = NB,
    stop(Nodes),
    #{setup => Order, events => [event(E) || E <- Got]};

%% w on a watches the nodes; twice: partition, heal, a process on a sends to b.
scenario(nodedown_nodeup, I, Tag) ->
    [{_, A, _}, {_, B, _}] = Nodes = start([a, b], Tag, I, []),
    W = spawn_on(A, ?MODULE, recorder, [self_name]),
    R = spawn_on(B, ?MODULE, recorder, [self_name]),
    peer:call(A, erlang, send, [W, {do, fun() -> net_kernel:monitor_nodes(true) end}]),
    sync_recorder(A, W),
    Steps = lists:append([begin
                              partition(Nodes, [[a], [b]]),
                              wait_count(A, W, 2 * Round - 1),
                              heal(Nodes),
                              peer:call(A, erlang, send, [R, {ping, Round}]),
                              wait_count(A, W, 2 * Round),
                              [partition, heal, ping]
                          end || Round <- [1, 2]]),
    Got = recorded(A, W),
    stop(Nodes),
    #{steps => Steps, events => [event(E) || E <- Got]};

%% s on a sends K messages to r on b during a held partition, then one after the heal.
scenario(partition_sends_lost, I, Tag) ->
    K = 5,
    [{_, A, _}, {_, B, _}] = Nodes = start([a, b], Tag, I, []),
    R = spawn_on(B, ?MODULE, recorder, [self_name]),
    partition(Nodes, [[a], [b]]),
    [peer:call(A, erlang, send, [R, {during, N}]) || N <- lists:seq(1, K)],
    timer:sleep(200),
    heal(Nodes),
    peer:call(A, erlang, send, [R, {after_heal, 1}]),
    wait_count(B, R, 1),
    timer:sleep(100),
    Got = recorded(B, R),
    stop(Nodes),
    #{sent_during => K, received => [[What, N] || {msg, {What, N}} <- Got]};

%% After a heal with no traffic the nodes stay apart; the next send reconnects them.
scenario(reconnect_on_send, I, Tag) ->
    [{_, A, _}, {_, B, NB}] = Nodes = start([a, b], Tag, I, []),
    W = spawn_on(A, ?MODULE, recorder, [self_name]),
    R = spawn_on(B, ?MODULE, recorder, [self_name]),
    peer:call(A, erlang, send, [W, {do, fun() -> net_kernel:monitor_nodes(true) end}]),
    sync_recorder(A, W),
    partition(Nodes, [[a], [b]]),
    wait_count(A, W, 1),
    heal(Nodes),
    timer:sleep(500),
    Quiet = [event(E) || E <- recorded(A, W)],
    Apart = not lists:member(NB, peer:call(A, erlang, nodes, [])),
    peer:call(A, erlang, send, [R, {hello, 1}]),
    wait_count(A, W, 2),
    Got = wait_count(B, R, 1),
    Events = [event(E) || E <- recorded(A, W)],
    stop(Nodes),
    #{events_before_send => Quiet, apart_before_send => Apart, events => Events,
      received => [[What, N] || {msg, {What, N}} <- Got]};

%% :global on a and b: a partition, a process on each side registers the name n with the
%% resolver, the partition heals: who holds n on each node, who is alive, who was told.
scenario(global_random_exit_name, I, Tag) -> global_conflict(random_exit_name, I, Tag);
scenario(global_random_notify_name, I, Tag) -> global_conflict(random_notify_name, I, Tag);
scenario(global_notify_all_name, I, Tag) -> global_conflict(notify_all_name, I, Tag);

%% pg on a and b: one member each in group g; the views connected, partitioned and healed.
scenario(pg_partition, I, Tag) ->
    [{_, A, _}, {_, B, _}] = Nodes = start([a, b], Tag, I, ["-kernel", "start_pg", "true"]),
    [peer:call(P, erlang, apply,
               [fun() -> Pid = spawn(timer, sleep, [infinity]), pg:join(g, Pid) end, []])
     || P <- [A, B]],
    Connected = pg_views(Nodes, 2),
    partition(Nodes, [[a], [b]]),
    Partitioned = pg_views(Nodes, 1),
    heal(Nodes),
    peer:call(A, net_kernel, connect_node, [node_name(Nodes, b)]),
    Healed = pg_views(Nodes, 2),
    stop(Nodes),
    #{connected => Connected, partitioned => Partitioned, healed => Healed};

%% a, b, c fully connected; only a-b is cut: what each node is connected to afterwards.
scenario(overlap_on, I, Tag) -> overlap(true, I, Tag);
scenario(overlap_off, I, Tag) -> overlap(false, I, Tag).

global_conflict(Method, I, Tag) ->
    [{_, A, _}, {_, B, _}] = Nodes = start([a, b], Tag, I, []),
    partition(Nodes, [[a], [b]]),
    Registered = [begin
                      Pid = spawn_on(P, ?MODULE, global_proc, [Method]),
                      {L, Pid, call_recorder(P, Pid, register)}
                  end || {L, P, _} <- Nodes],
    heal(Nodes),
    true = peer:call(A, net_kernel, connect_node, [node_name(Nodes, b)]),
    [ok = peer:call(P, global, sync, []) || P <- [A, B]],
    timer:sleep(200),
    Outcome = maps:from_list([{L, process_outcome(P, Pid)} || {L, Pid, _} <- Registered,
                                                              {L2, P, _} <- Nodes, L2 =:= L]),
    Names = maps:from_list([{L, holder(peer:call(P, global, whereis_name, [n]))}
                            || {L, P, _} <- Nodes]),
    stop(Nodes),
    #{registered => maps:from_list([{L, Answer} || {L, _, Answer} <- Registered]),
      processes => Outcome, names => Names}.

overlap(Prevent, I, Tag) ->
    Args = ["-kernel", "prevent_overlapping_partitions", atom_to_list(Prevent)],
    [{_, A, _}, {_, B, _}, {_, C, _}] = Nodes = start([a, b, c], Tag, I, Args),
    _ = {A, B, C},
    Before = links(Nodes),
    cut(Nodes, a, b),
    %% With the option on, the others follow within about 1.5 s; off, the cut stays as cut.
    After = case Prevent of
                true -> wait_links(Nodes, 0, ?WAIT div 10);
                false -> timer:sleep(2500), links(Nodes)
            end,
    stop(Nodes),
    #{before => Before, 'after' => After}.

%% -- processes on the nodes -----------------------------------------------------------------

%% Records every message (and, with trap_exit, exit signal); {get, From} returns the list.
recorder(Mode) ->
    Mode =:= trap_exit andalso process_flag(trap_exit, true),
    record([]).

record(Got) ->
    receive
        {'$probe', get, From} -> From ! {'$probe', lists:reverse(Got)}, record(Got);
        {'$probe', sync, From} -> From ! {'$probe', synced}, record(Got);
        {do, Fun} -> Fun(), record(Got);
        Msg -> record([classify(Msg) | Got])
    end.

classify({'EXIT', _, Reason}) -> {'EXIT', Reason};
classify({'DOWN', _, process, _, Reason}) -> {'DOWN', Reason};
classify({nodedown, Node}) -> {nodedown, letter(Node)};
classify({nodeup, Node}) -> {nodeup, letter(Node)};
classify(Msg) -> {msg, Msg}.

sender(To, Me, K) ->
    receive go -> [To ! {Me, N} || N <- lists:seq(1, K)] end,
    timer:sleep(infinity).

%% Registers n with the resolver when told to, answers yes or no, then records messages.
global_proc(Method) ->
    receive
        {'$probe', register, From} ->
            Answer = global:register_name(n, self(), fun global:Method/3),
            From ! {'$probe', Answer}
    end,
    record([]).

event({msg, {m, N}}) -> [msg, N];
event({msg, {global_name_conflict, _}}) -> [global_name_conflict];
event({msg, {global_name_conflict, _, _}}) -> [global_name_conflict_other];
event({msg, Other}) -> [msg, list_to_binary(io_lib:format("~p", [Other]))];
event({What, Detail}) -> [What, Detail].

%% -- controller helpers ---------------------------------------------------------------------

start(Letters, Tag, I, Extra) -> otp_nodes:start(Letters, Tag, I, ?COOKIE, Extra).

stop(Nodes) -> otp_nodes:stop(Nodes).

node_name(Nodes, L) -> {L, _, N} = lists:keyfind(L, 1, Nodes), N.

letter(Node) -> otp_nodes:letter(Node).

spawn_on(Peer, M, F, Args) -> peer:call(Peer, erlang, spawn, [M, F, Args]).

%% Ask a process on a node something, from a process on that node.
call_recorder(Peer, Pid, What) ->
    peer:call(Peer, erlang, apply,
              [fun() -> Pid ! {'$probe', What, self()},
                        receive {'$probe', Answer} -> Answer after ?WAIT -> timeout end
               end, []]).

recorded(Peer, Pid) -> call_recorder(Peer, Pid, get).

sync_recorder(Peer, Pid) -> synced = call_recorder(Peer, Pid, sync).

%% Poll a recorder until it holds N events (or ?WAIT ms passed): its events.
wait_count(Peer, Pid, N) -> wait_count(Peer, Pid, N, ?WAIT div 10).
wait_count(Peer, Pid, N, Tries) ->
    Got = recorded(Peer, Pid),
    case length(Got) >= N orelse Tries =< 0 of
        true -> Got;
        false -> timer:sleep(10), wait_count(Peer, Pid, N, Tries - 1)
    end.

%% Partition: each side gets a different wrong cookie for every node of the other groups,
%% then the connections are dropped; they cannot come back until heal/1.
partition(Nodes, Groups) ->
    [cut(Nodes, X, Y) || G1 <- Groups, G2 <- Groups, G1 < G2, X <- G1, Y <- G2],
    ok.

cut(Nodes, X, Y) -> otp_nodes:cut(Nodes, X, Y).

heal(Nodes) -> otp_nodes:heal(Nodes, ?COOKIE).

links(Nodes) ->
    maps:from_list([{L, lists:sort([letter(N) || N <- peer:call(P, erlang, nodes, [])])}
                    || {L, P, _} <- Nodes]).

wait_links(Nodes, Want, Tries) ->
    Links = links(Nodes),
    case lists:all(fun(V) -> length(V) =:= Want end, maps:values(Links)) orelse Tries =< 0 of
        true -> Links;
        false -> timer:sleep(10), wait_links(Nodes, Want, Tries - 1)
    end.

pg_views(Nodes, Want) -> pg_views(Nodes, Want, ?WAIT div 10).
pg_views(Nodes, Want, Tries) ->
    Views = maps:from_list([{L, lists:sort([letter(node(M))
                                            || M <- peer:call(P, pg, get_members, [g])])}
                            || {L, P, _} <- Nodes]),
    case lists:all(fun(V) -> length(V) =:= Want end, maps:values(Views)) orelse Tries =< 0 of
        true -> Views;
        false -> timer:sleep(10), pg_views(Nodes, Want, Tries - 1)
    end.

process_outcome(Peer, Pid) ->
    Alive = peer:call(Peer, erlang, is_process_alive, [Pid]),
    Got = case Alive of
              true -> [event(E) || E <- recorded(Peer, Pid)];
              false -> []
          end,
    #{alive => Alive, messages => Got}.

holder(undefined) -> none;
holder(Pid) -> letter(node(Pid)).

permutations([]) -> [[]];
permutations(L) -> [[H | T] || H <- L, T <- permutations(L -- [H])].
