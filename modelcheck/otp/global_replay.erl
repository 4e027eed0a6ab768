%% Replays a schedule of :global steps on real Erlang nodes and prints, after each step, what
%% every running node shows: one JSON object a line.
%%
%%   erl -noshell -pa DIR -eval 'global_replay:main(["NODES", "RESOLVER", "RUNS", "TAG",
%%                                                   STEP...])'
%%
%% NODES is the nodes' letters ("ab"); each node runs one process that registers the name n
%% with global:register_name(n, Pid, fun global:RESOLVER/3) when a "register:X" step says.
%% Steps: "partition:a|b,c" (groups), "cut:a,b" (one link), "heal" (every link back, then
%% net_kernel:connect_node/1 between every pair and global:sync/0), "register:a",
%% "crash:a" (the node stops). Messages internal to OTP are not forced: the controller waits
%% for them to settle before it looks.
%%
%% The controller is not part of the cluster (peer with connection => standard_io), every
%% node listens on 127.0.0.1, and a partition holds because each side has a different wrong
%% cookie for the other.
%%
%% Output: {"otp": RELEASE, "version": OTP_VERSION}, then per run {"run": I, "initial":
%% VIEW, "steps": [VIEW, ...]}, a VIEW after the start and after each step: {NODE: {"process": idle | registering | registered
%% | refused | killed | notified, "holder": NODE | "none", "nodes": [NODE, ...]}} for the
%% nodes that are up. Runs go ten at a time.
-module(global_replay).
-export([main/1, proc/1]).

-define(COOKIE, replay_cookie).
-define(BATCH, 10).

main([Letters, Method, Runs, Tag | Steps]) ->
    try
        otp_nodes:emit(#{otp => list_to_binary(erlang:system_info(otp_release)),
                         version => list_to_binary(otp_nodes:otp_version())}),
        Nodes = [list_to_atom([L]) || L <- Letters],
        Schedule = [parse(S) || S <- Steps],
        Ids = lists:seq(1, list_to_integer(Runs)),
        batches(Ids, fun(I) -> run(Nodes, list_to_atom(Method), Schedule, Tag, I) end),
        halt(0)
    catch Class:Reason:Stack ->
        io:format(standard_error, "global_replay: ~p:~p ~p~n", [Class, Reason, Stack]),
        halt(1)
    end.

batches([], _) -> ok;
batches(Ids, Fun) ->
    {Now, Later} = lists:split(min(?BATCH, length(Ids)), Ids),
    Self = self(),
    Pids = [spawn_link(fun() -> Self ! {self(), Fun(I)} end) || I <- Now],
    [otp_nodes:emit(receive {Pid, Line} -> Line end) || Pid <- Pids],
    batches(Later, Fun).

parse("heal") -> heal;
parse("register:" ++ [L]) -> {register, list_to_atom([L])};
parse("crash:" ++ [L]) -> {crash, list_to_atom([L])};
parse("cut:" ++ [X, $,, Y]) -> {cut, list_to_atom([X]), list_to_atom([Y])};
parse("partition:" ++ Groups) ->
    {partition, [[list_to_atom([C]) || C <- G, C =/= $,] || G <- string:split(Groups, "|", all)]}.

%% -- one run ----------------------------------------------------------------------------------

run(Letters, Method, Schedule, Tag, I) ->
    Nodes = otp_nodes:start(Letters, Tag, I, ?COOKIE, []),
    Procs = maps:from_list([{L, peer:call(P, erlang, spawn, [?MODULE, proc, [Method]])}
                            || {L, P, _} <- Nodes]),
    State = #{nodes => Nodes, procs => Procs, up => Letters, answers => #{}},
    Initial = view(State),
    {Views, Final} = lists:mapfoldl(fun(Step, S) ->
                                            S2 = step(Step, S),
                                            {view(S2), S2}
                                    end, State, Schedule),
    otp_nodes:stop([N || N = {L, _, _} <- Nodes, lists:member(L, maps:get(up, Final))]),
    #{run => I, initial => Initial, steps => Views}.

step({partition, Groups}, S) ->
    [cut(S, X, Y) || G1 <- Groups, G2 <- Groups, G1 < G2, X <- G1, Y <- G2],
    timer:sleep(100),
    S;
step({cut, X, Y}, S) ->
    cut(S, X, Y),
    timer:sleep(100),
    S;
step(heal, S = #{nodes := Nodes, up := Up}) ->
    Live = [N || N = {L, _, _} <- Nodes, lists:member(L, Up)],
    otp_nodes:heal(Live, ?COOKIE),
    [peer:call(P, net_kernel, connect_node, [N]) || {X, P, _} <- Live, {Y, _, N} <- Live, X < Y],
    [peer:call(P, global, sync, []) || {_, P, _} <- Live],
    timer:sleep(200),
    S;
step({register, L}, S = #{procs := Procs, answers := Answers}) ->
    Peer = peer_of(S, L),
    Pid = maps:get(L, Procs),
    Answer = peer:call(Peer, erlang, apply,
                       [fun() -> Pid ! {register, self()},
                                 receive {registered, A} -> A after 2000 -> registering end
                        end, []]),
    timer:sleep(50),
    S#{answers := Answers#{L => Answer}};
step({crash, L}, S = #{up := Up}) ->
    peer:stop(peer_of(S, L)),
    timer:sleep(100),
    S#{up := Up -- [L]}.

%% What every running node shows: its process, who n is registered to, whom it is connected to.
view(#{nodes := Nodes, procs := Procs, up := Up, answers := Answers}) ->
    maps:from_list(
      [{L, #{process => process(P, maps:get(L, Procs), maps:get(L, Answers, idle)),
             holder => holder(peer:call(P, global, whereis_name, [n])),
             nodes => lists:sort([otp_nodes:letter(N)
                                  || N <- peer:call(P, erlang, nodes, [])])}}
       || {L, P, _} <- Nodes, lists:member(L, Up)]).

process(Peer, Pid, Answer) ->
    case peer:call(Peer, erlang, is_process_alive, [Pid]) of
        false -> killed;
        true ->
            Told = peer:call(Peer, erlang, apply,
                             [fun() -> Pid ! {told, self()},
                                       receive {told, T} -> T after 2000 -> false end
                              end, []]),
            case {Told, Answer} of
                {true, _} -> notified;
                {false, yes} -> registered;
                {false, no} -> refused;
                {false, A} -> A
            end
    end.

holder(undefined) -> none;
holder(Pid) -> otp_nodes:letter(node(Pid)).

%% The node's process: registers n when told to, and remembers a conflict notice.
proc(Method) -> proc(Method, false).
proc(Method, Told) ->
    receive
        {register, From} ->
            Self = self(),
            %% register_name blocks while it waits for locks: answer from a helper, so the
            %% process can still be asked whether it was told of a conflict.
            spawn(fun() -> Self ! {answer, From, global:register_name(n, Self,
                                                                      fun global:Method/3)} end),
            proc(Method, Told);
        {answer, From, A} -> From ! {registered, A}, proc(Method, Told);
        {told, From} -> From ! {told, Told}, proc(Method, Told);
        {global_name_conflict, _} -> proc(Method, true);
        {global_name_conflict, _, _} -> proc(Method, true);
        _ -> proc(Method, Told)
    end.

%% -- nodes ------------------------------------------------------------------------------------

peer_of(#{nodes := Nodes}, L) -> {L, P, _} = lists:keyfind(L, 1, Nodes), P.

%% A link to a node that is down already has nothing to cut.
cut(#{nodes := Nodes, up := Up}, X, Y) ->
    case lists:member(X, Up) andalso lists:member(Y, Up) of
        false -> ok;
        true -> otp_nodes:cut(Nodes, X, Y)
    end.
