%% What every driver of real nodes shares: starting a cluster of peer nodes on 127.0.0.1,
%% holding and healing partitions, naming nodes by their letter, and printing JSON lines.
%%
%% Nodes are started by a controller that is not part of the cluster (peer, connection =>
%% standard_io), so it never becomes a distribution peer that could reconnect two sides of a
%% partition. A partition holds because each side gets a different wrong cookie for the
%% other before the connection is dropped; heal/2 gives the cookies back (the next send, or
%% net_kernel:connect_node/1, reconnects). Compiled with each driver (modelcheck.otp.runtime).
-module(otp_nodes).
-export([otp_version/0, start/5, stop/1, cut/3, heal/2, letter/1, emit/1]).

%% The OTP version, e.g. "25.2.3".
otp_version() ->
    File = filename:join([code:root_dir(), "releases", erlang:system_info(otp_release),
                          "OTP_VERSION"]),
    case file:read_file(File) of
        {ok, Bin} -> string:trim(binary_to_list(Bin));
        _ -> erlang:system_info(otp_release)
    end.

%% Start a node per letter (named LETTER_TAG_RUN@127.0.0.1, so names sort as their letters
%% do), side by side, with Extra arguments; connect them all and let :global sync.
%% Returns [{Letter, Peer, Node}].
start(Letters, Tag, Run, Cookie, Extra) ->
    Dir = filename:dirname(code:which(?MODULE)),
    Self = self(),
    Starting = [spawn_link(fun() ->
        Name = lists:flatten(io_lib:format("~s_~s_~b", [L, Tag, Run])),
        {ok, Peer, Node} = peer:start(#{
            name => Name, host => "127.0.0.1", longnames => true, connection => standard_io,
            args => ["-kernel", "inet_dist_use_interface", "{127,0,0,1}",
                     "-kernel", "logger_level", "none",
                     "-setcookie", atom_to_list(Cookie), "-pa", Dir | Extra]}),
        unlink(Peer),
        Self ! {self(), {L, Peer, Node}}
    end) || L <- Letters],
    Nodes = [receive {Pid, Started} -> Started end || Pid <- Starting],
    [true = peer:call(P, net_kernel, connect_node, [N]) || {X, P, _} <- Nodes,
                                                           {Y, _, N} <- Nodes, X < Y],
    [ok = peer:call(P, global, sync, []) || {_, P, _} <- Nodes],
    Nodes.

stop(Nodes) -> [catch peer:stop(P) || {_, P, _} <- Nodes], ok.

%% Cut the link between the nodes of letters X and Y, and keep it cut.
cut(Nodes, X, Y) ->
    {_, PX, NX} = lists:keyfind(X, 1, Nodes),
    {_, PY, NY} = lists:keyfind(Y, 1, Nodes),
    true = peer:call(PX, erlang, set_cookie, [NY, wrong_x]),
    true = peer:call(PY, erlang, set_cookie, [NX, wrong_y]),
    peer:call(PX, erlang, disconnect_node, [NY]),
    ok.

%% Every node gets the right cookie for every other back; nothing reconnects by itself.
heal(Nodes, Cookie) ->
    [true = peer:call(P, erlang, set_cookie, [N, Cookie]) || {_, P, _} <- Nodes,
                                                            {_, _, N} <- Nodes],
    ok.

letter(Node) -> list_to_atom([hd(atom_to_list(Node))]).

%% Print a term (maps, lists, atoms, binaries, integers, booleans) as one JSON line.
emit(Term) -> io:put_chars([json(Term), $\n]).

json(true) -> "true";
json(false) -> "false";
json(null) -> "null";
json(N) when is_integer(N) -> integer_to_list(N);
json(A) when is_atom(A) -> json(atom_to_binary(A));
json(B) when is_binary(B) -> [$", escape(binary_to_list(B)), $"];
json(L) when is_list(L) -> [$[, lists:join($,, [json(X) || X <- L]), $]];
json(M) when is_map(M) ->
    Pairs = lists:sort([{key(K), V} || {K, V} <- maps:to_list(M)]),
    [${, lists:join($,, [[json(K), $:, json(V)] || {K, V} <- Pairs]), $}].

key(K) when is_atom(K) -> atom_to_binary(K);
key(K) when is_binary(K) -> K.

escape(S) -> [esc(C) || C <- S].
esc($") -> "\\\"";
esc($\\) -> "\\\\";
esc(C) when C < 32 -> io_lib:format("\\u~4.16.0b", [C]);
esc(C) -> C.
