-- One mail through the milter, as an MTA sends it, then a check of the milter's answer.
-- Variables (miltertest -D NAME=VALUE): port; headers, a file of unfolded "Name: value" lines;
-- body, a file; expect: "accept", "header" (with hname, hvalue) or "reject" (with code,
-- status, text).
local conn = mt.connect("inet:" .. port .. "@127.0.0.1", 5, 0.2)
if conn == nil then
    error("cannot connect to the milter")
end
if mt.negotiate(conn, nil, nil, nil) ~= nil then
    error("option negotiation failed")
end
mt.macro(conn, SMFIC_CONNECT, "{daemon_name}", "ORIGINATING", "j", "mx.example")
if mt.conninfo(conn, "client.example", "192.0.2.10") ~= nil then
    error("mt.conninfo() failed")
end
mt.macro(conn, SMFIC_MAIL, "i", "4ABCDEF123")
if mt.mailfrom(conn, "<alice@example.com>") ~= nil then
    error("mt.mailfrom() failed")
end
if mt.rcptto(conn, "<bob@example.net>") ~= nil then
    error("mt.rcptto() failed")
end
for line in io.lines(headers) do
    local name, value = string.match(line, "^([^:]+):%s*(.*)$")
    if mt.header(conn, name, value) ~= nil then
        error("mt.header() failed")
    end
end
if mt.eoh(conn) ~= nil then
    error("mt.eoh() failed")
end
if mt.bodyfile(conn, body) ~= nil then
    error("mt.bodyfile() failed")
end
if mt.eom(conn) ~= nil then
    error("mt.eom() failed")
end

local reply = mt.getreply(conn)
if expect == "accept" then
    if reply ~= SMFIR_ACCEPT then
        error("expected accept, got reply " .. reply)
    end
    if mt.eom_check(conn, MT_HDRADD) then
        error("a header was added to a clean mail")
    end
elseif expect == "header" then
    if reply ~= SMFIR_ACCEPT then
        error("expected accept, got reply " .. reply)
    end
    if not mt.eom_check(conn, MT_HDRADD, hname, hvalue) then
        error("the verdict header was not added")
    end
elseif expect == "reject" then
    if reply ~= SMFIR_REPLYCODE then
        error("expected an SMTP reply code, got reply " .. reply)
    end
    if not mt.eom_check(conn, MT_SMTPREPLY, code, status, text) then
        error("not the expected SMTP reply")
    end
else
    error("unknown expectation " .. expect)
end
mt.echo("milter answer as expected: " .. expect)
mt.disconnect(conn)
