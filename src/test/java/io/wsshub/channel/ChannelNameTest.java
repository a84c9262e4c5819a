package io.wsshub.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsshub.channel.ChannelName.Kind;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Channel names, their engine rooms, and who may subscribe and publish. */
class ChannelNameTest {

    private static final Map<String, String> ROLES = ChannelSettings.parseRoles("staff=staff, ops=oncall");

    private static ChannelName parse(String s) throws ChannelName.Invalid {
        return ChannelName.parse(s, ROLES);
    }

    @Test
    void eachNamespaceHasItsRuleAndRoom() throws Exception {
        ChannelName chat = parse("chat:lobby");
        assertEquals(Kind.CHAT, chat.kind());
        assertEquals("lobby", chat.room(), "the same room as /ws/chat/lobby");
        assertEquals("dm:alice,bob", parse("dm:alice,bob").room());
        assertEquals(Kind.USER, parse("user:a.b@c-d").kind());
        assertEquals(Kind.MARKET, parse("market:ACME").kind());
        assertFalse(parse("market:ACME").chatLike());
        ChannelName ops = parse("ops:war-room");
        assertEquals(Kind.ROLE, ops.kind());
        assertEquals("oncall", ops.role());
        assertEquals("ops:war-room", ops.room());
    }

    @Test
    void badNamesAreInvalid() {
        for (String bad : new String[] {null, "", "lobby", ":lobby", "chat:", "chat:Lobby", "chat:-x",
                "chat:" + "a".repeat(33), "dm:bob,alice", "dm:alice,alice", "dm:alice", "dm:alice,", "dm:a b,c",
                "user:", "user:" + "a".repeat(65), "market:acme", "nope:lobby", "staff:", "x".repeat(201)}) {
            assertThrows(ChannelName.Invalid.class, () -> parse(bad), String.valueOf(bad));
        }
    }

    @Test
    void builtInNamespacesCannotBeRoleGated() {
        Map<String, String> roles = ChannelSettings.parseRoles("chat=staff,dm=x,Bad=y,=z,team");
        assertTrue(roles.isEmpty(), roles.toString());
    }

    @Test
    void permissions() throws Exception {
        Set<String> none = Set.of();
        Set<String> staff = Set.of("staff");
        assertTrue(ChannelPolicy.maySubscribe(parse("chat:x"), "alice", none::contains));
        assertTrue(ChannelPolicy.maySubscribe(parse("dm:alice,bob"), "bob", none::contains));
        assertFalse(ChannelPolicy.maySubscribe(parse("dm:alice,bob"), "carol", none::contains));
        assertFalse(ChannelPolicy.mayPublish(parse("dm:alice,bob"), "carol", none::contains));
        assertTrue(ChannelPolicy.maySubscribe(parse("user:alice"), "alice", none::contains));
        assertFalse(ChannelPolicy.maySubscribe(parse("user:alice"), "bob", none::contains));
        assertFalse(ChannelPolicy.mayPublish(parse("user:alice"), "alice", none::contains));
        assertFalse(ChannelPolicy.mayPublish(parse("market:ACME"), "alice", none::contains));
        assertFalse(ChannelPolicy.maySubscribe(parse("staff:x"), "alice", none::contains));
        assertTrue(ChannelPolicy.maySubscribe(parse("staff:x"), "carol", staff::contains));
        assertTrue(ChannelPolicy.mayPublish(parse("staff:x"), "carol", staff::contains));
        assertFalse(ChannelPolicy.maySubscribe(parse("ops:x"), "carol", staff::contains));
    }
}
