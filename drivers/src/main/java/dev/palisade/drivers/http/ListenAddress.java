package dev.palisade.drivers.http;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Where an HTTP endpoint listens, from the configuration's {@code listen = "ADDRESS:PORT"}: an IPv4 literal
 * ({@code 127.0.0.1:9464}) or a bracketed IPv6 literal ({@code [::1]:9464}, RFC 3986 §3.2.2), and a port from 1
 * to 65535. Host names are refused: an appliance must not depend on name resolution to start, and the address
 * an operator reads in the file is the one bound.
 */
public record ListenAddress(InetAddress address, int port) {
    /** Parses {@code text}; IllegalArgumentException says what is wrong and what is expected. */
    public static ListenAddress parse(String text) {
        String expected = "expected ADDRESS:PORT with an IP address literal, e.g. \"127.0.0.1:9464\" or \"[::1]:9464\"";
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("empty listen address; " + expected);
        }
        String host;
        String port;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0 || close + 1 >= text.length() || text.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("'" + text + "': an IPv6 address in brackets must be followed by"
                        + " :PORT; " + expected);
            }
            host = text.substring(1, close);
            port = text.substring(close + 2);
            if (!host.matches("[0-9A-Fa-f:.]+") || !host.contains(":")) {
                throw new IllegalArgumentException("'" + host + "' is not an IPv6 address literal; " + expected);
            }
        } else {
            int colon = text.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("'" + text + "' has no :PORT; " + expected);
            }
            host = text.substring(0, colon);
            port = text.substring(colon + 1);
            if (host.contains(":")) {
                throw new IllegalArgumentException("'" + text + "': an IPv6 address needs brackets; " + expected);
            }
            if (!host.matches("(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}")) {
                throw new IllegalArgumentException("'" + host + "' is not an IPv4 address literal (host names are not"
                        + " resolved); " + expected);
            }
        }
        if (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
            throw new IllegalArgumentException("port '" + port + "' is not a number from 1 to 65535; " + expected);
        }
        try {
            // a literal: getByName parses it without asking a resolver
            return new ListenAddress(InetAddress.getByName(host), Integer.parseInt(port));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + host + "' is not an IP address literal; " + expected);
        }
    }

    public InetSocketAddress socketAddress() {
        return new InetSocketAddress(address, port);
    }

    /** As written in a configuration: {@code 127.0.0.1:9464}, {@code [::1]:9464}. */
    @Override
    public String toString() {
        String a = address.getHostAddress();
        return (a.contains(":") ? "[" + a + "]" : a) + ":" + port;
    }
}
