package dev.palisade.fence.config;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The fence_virt.conf grammar, as fence_virtd's flex/bison parser accepts it:
 * <pre>
 *   file      := item*
 *   item      := ID '=' VALUE ';'                 (a statement)
 *              | ID '{' item* '}'                 (a block)
 *              | ID '=' VALUE '{' item* '}'       (a block with a value)
 *   VALUE     := '"' any character but '"' or newline, at least one '"'
 *   ID        := a run of characters other than whitespace, '{', '}', ';', '=', '"'
 *   comment   := '#' to end of line
 * </pre>
 * A stray {@code ;} after a closing brace is accepted. Every error names file:line:column.
 */
public final class ConfigParser {
    /** Config files are small; anything larger is a mistake (a key file or a log named by accident). */
    public static final int MAX_BYTES = 1 << 20;
    /** Nesting deeper than this is not a configuration. */
    public static final int MAX_DEPTH = 32;

    private final String file;
    private final String text;
    private int pos;
    private int line = 1;
    private int col = 1;

    private ConfigParser(String file, String text) {
        this.file = file;
        this.text = text;
    }

    public static ConfigBlock parse(Path path) throws ConfigException, IOException {
        byte[] bytes = Files.readAllBytes(path);
        return parse(path.toString(), bytes);
    }

    public static ConfigBlock parse(String file, byte[] bytes) throws ConfigException {
        if (bytes.length > MAX_BYTES) {
            throw new ConfigException(new ConfigPosition(file, 1, 1),
                    "file is " + bytes.length + " bytes, larger than any configuration (" + MAX_BYTES + ")",
                    "check that the path names the configuration file");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new ConfigException(new ConfigPosition(file, 1, 1), "file is not UTF-8 text",
                    "check that the path names the configuration file");
        }
        return new ConfigParser(file, text).parseFile();
    }

    public static ConfigBlock parse(String file, String text) throws ConfigException {
        return parse(file, text.getBytes(StandardCharsets.UTF_8));
    }

    private enum Kind { ID, VALUE, EQ, SEMI, OPEN, CLOSE, EOF }

    private record Token(Kind kind, String text, ConfigPosition at) {
    }

    private ConfigBlock parseFile() throws ConfigException {
        ConfigBlock root = new ConfigBlock("", null, here());
        Deque<ConfigBlock> stack = new ArrayDeque<>();
        stack.push(root);
        while (true) {
            Token t = next();
            switch (t.kind) {
                case EOF -> {
                    if (stack.size() > 1) {
                        ConfigBlock open = stack.peek();
                        throw new ConfigException(open.position(), "block '" + open.name() + "' is never closed",
                                "add the missing '}'");
                    }
                    return root;
                }
                case CLOSE -> {
                    if (stack.size() == 1) {
                        throw new ConfigException(t.at, "'}' without a matching '{'", "remove it");
                    }
                    stack.pop();
                }
                case SEMI -> {
                    // tolerated: "};" after a block, and empty statements
                }
                case ID -> {
                    Token after = next();
                    if (after.kind == Kind.OPEN) {
                        stack.push(open(stack, t.text, null, t.at));
                    } else if (after.kind == Kind.EQ) {
                        Token value = next();
                        if (value.kind != Kind.VALUE) {
                            throw new ConfigException(value.at, "expected a double-quoted value after '" + t.text + " ='",
                                    "write " + t.text + " = \"...\";");
                        }
                        Token end = next();
                        if (end.kind == Kind.SEMI) {
                            stack.peek().add(new ConfigEntry(t.text, value.text, t.at, value.at));
                        } else if (end.kind == Kind.OPEN) {
                            stack.push(open(stack, t.text, value.text, t.at));
                        } else {
                            throw new ConfigException(end.at, "expected ';' after " + t.text + " = \"" + value.text + "\"",
                                    "end the statement with ';'");
                        }
                    } else {
                        throw new ConfigException(after.at, "expected '=' or '{' after '" + t.text + "'",
                                "write either " + t.text + " = \"value\"; or " + t.text + " { ... }");
                    }
                }
                default -> throw new ConfigException(t.at, "unexpected " + describe(t), "expected a key or a block name");
            }
        }
    }

    private ConfigBlock open(Deque<ConfigBlock> stack, String name, String value, ConfigPosition at)
            throws ConfigException {
        if (stack.size() > MAX_DEPTH) {
            throw new ConfigException(at, "blocks nested deeper than " + MAX_DEPTH, "flatten the configuration");
        }
        ConfigBlock b = new ConfigBlock(name, value, at);
        stack.peek().add(b);
        return b;
    }

    private static String describe(Token t) {
        return switch (t.kind) {
            case VALUE -> "value \"" + t.text + "\"";
            case EQ -> "'='";
            case OPEN -> "'{'";
            default -> "'" + t.text + "'";
        };
    }

    private ConfigPosition here() {
        return new ConfigPosition(file, line, col);
    }

    private char advance() throws ConfigException {
        char c = text.charAt(pos);
        if (c < 0x20 && c != '\n' && c != '\t' && c != '\r' || c == 0x7f) {
            throw new ConfigException(here(), String.format("control character U+%04X", (int) c),
                    "a configuration file is plain text; remove it");
        }
        pos++;
        if (c == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
        return c;
    }

    private Token next() throws ConfigException {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == '#') {
                while (pos < text.length() && text.charAt(pos) != '\n') {
                    advance();
                }
            } else if (Character.isWhitespace(c)) {
                advance();
            } else {
                break;
            }
        }
        ConfigPosition at = here();
        if (pos >= text.length()) {
            return new Token(Kind.EOF, "", at);
        }
        char c = advance();
        switch (c) {
            case '{':
                return new Token(Kind.OPEN, "{", at);
            case '}':
                return new Token(Kind.CLOSE, "}", at);
            case ';':
                return new Token(Kind.SEMI, ";", at);
            case '=':
                return new Token(Kind.EQ, "=", at);
            case '"': {
                StringBuilder sb = new StringBuilder();
                while (true) {
                    if (pos >= text.length() || text.charAt(pos) == '\n') {
                        throw new ConfigException(at, "value is not closed with '\"' on the same line",
                                "add the closing '\"'");
                    }
                    char v = advance();
                    if (v == '"') {
                        break;
                    }
                    sb.append(v);
                }
                if (sb.length() == 0) {
                    throw new ConfigException(at, "empty value \"\"", "give a value or remove the statement");
                }
                return new Token(Kind.VALUE, sb.toString(), at);
            }
            default: {
                StringBuilder sb = new StringBuilder().append(c);
                while (pos < text.length()) {
                    char n = text.charAt(pos);
                    if (Character.isWhitespace(n) || n == '{' || n == '}' || n == ';' || n == '=' || n == '"'
                            || n == '#') {
                        break;
                    }
                    sb.append(advance());
                }
                return new Token(Kind.ID, sb.toString(), at);
            }
        }
    }
}
