package dev.palisade.drivers.ipmi;

import java.util.Arrays;

/**
 * An IPMI LAN message (IPMI v2.0 §13.8, table 13-4), the plaintext inside an RMCP+ payload of type 0:
 *
 * <pre>
 * request:  rsAddr 20 | netFn &lt;&lt; 2 | rsLUN | checksum 1 | rqAddr 81 | rqSeq &lt;&lt; 2 | rqLUN | cmd | data | checksum 2
 * response: rqAddr 81 | netFn+1 &lt;&lt; 2 | rqLUN | checksum 1 | rsAddr 20 | rqSeq &lt;&lt; 2 | rsLUN | cmd | cc | data | checksum 2
 * </pre>
 *
 * Checksums are two's complement: the covered bytes plus the checksum sum to 0 mod 256. No I/O here.
 */
public final class IpmiMessage {
    /** The BMC's responder address. */
    public static final int BMC_ADDRESS = 0x20;
    /** A remote console's software ID (IPMI v2.0 §5.5). */
    public static final int CONSOLE_ADDRESS = 0x81;
    public static final int NETFN_CHASSIS = 0x00;
    public static final int NETFN_APP = 0x06;

    private IpmiMessage() {
    }

    /** A decoded response: {@code netFn} is the request's (the response's minus one). */
    public record Response(int netFn, int cmd, int rqSeq, int completionCode, byte[] data) {
        public boolean answers(int reqNetFn, int reqCmd, int reqSeq) {
            return netFn == reqNetFn && cmd == reqCmd && rqSeq == reqSeq;
        }
    }

    /** Encodes a request to the BMC; {@code rqSeq} is 6 bits. */
    public static byte[] request(int netFn, int cmd, int rqSeq, byte[] data) {
        byte[] m = new byte[7 + data.length];
        m[0] = (byte) BMC_ADDRESS;
        m[1] = (byte) (netFn << 2);
        m[2] = checksum(m, 0, 2);
        m[3] = (byte) CONSOLE_ADDRESS;
        m[4] = (byte) ((rqSeq & 0x3f) << 2);
        m[5] = (byte) cmd;
        System.arraycopy(data, 0, m, 6, data.length);
        m[m.length - 1] = checksum(m, 3, m.length - 1);
        return m;
    }

    /** Encodes a response (what a BMC sends); used by the test BMC and to check our decoder both ways. */
    public static byte[] response(byte[] request, int completionCode, byte[] data) {
        byte[] m = new byte[8 + data.length];
        m[0] = request[3];
        m[1] = (byte) ((((request[1] & 0xff) >> 2) + 1) << 2 | (request[4] & 3));
        m[2] = checksum(m, 0, 2);
        m[3] = (byte) BMC_ADDRESS;
        m[4] = (byte) (request[4] & 0xfc);
        m[5] = request[5];
        m[6] = (byte) completionCode;
        System.arraycopy(data, 0, m, 7, data.length);
        m[m.length - 1] = checksum(m, 3, m.length - 1);
        return m;
    }

    /** Decodes a response to this console; refuses bad checksums, requests and addresses not ours. */
    public static Response decodeResponse(byte[] m) throws RmcpPacket.PacketException {
        if (m.length < 8) {
            throw new RmcpPacket.PacketException("IPMI response of " + m.length + " bytes (at least 8)");
        }
        if ((m[0] & 0xff) != CONSOLE_ADDRESS) {
            throw new RmcpPacket.PacketException(String.format("IPMI response addressed to 0x%02x, not 0x81", m[0]));
        }
        if (checksum(m, 0, 2) != m[2] || checksum(m, 3, m.length - 1) != m[m.length - 1]) {
            throw new RmcpPacket.PacketException("IPMI message checksum mismatch");
        }
        int netFn = (m[1] & 0xff) >> 2;
        if ((netFn & 1) == 0) {
            throw new RmcpPacket.PacketException(String.format("netFn 0x%02x is a request, not a response", netFn));
        }
        return new Response(netFn - 1, m[5] & 0xff, (m[4] & 0xff) >> 2, m[6] & 0xff,
                Arrays.copyOfRange(m, 7, m.length - 1));
    }

    /** Decodes a request (what a BMC receives). */
    public static byte[] requestData(byte[] m) throws RmcpPacket.PacketException {
        if (m.length < 7 || checksum(m, 0, 2) != m[2] || checksum(m, 3, m.length - 1) != m[m.length - 1]) {
            throw new RmcpPacket.PacketException("not a well-formed IPMI request");
        }
        return Arrays.copyOfRange(m, 6, m.length - 1);
    }

    static byte checksum(byte[] b, int from, int to) {
        int sum = 0;
        for (int i = from; i < to; i++) {
            sum += b[i];
        }
        return (byte) -sum;
    }

    /** What a completion code means (IPMI v2.0 §5.2, table 5-2), in the words operators see from ipmitool. */
    public static String completionText(int cc) {
        return switch (cc) {
            case 0x00 -> "Command completed normally";
            case 0xc0 -> "Node busy";
            case 0xc1 -> "Invalid command";
            case 0xc2 -> "Invalid command on LUN";
            case 0xc3 -> "Timeout";
            case 0xc4 -> "Out of space";
            case 0xc5 -> "Reservation cancelled or invalid";
            case 0xc6 -> "Request data truncated";
            case 0xc7 -> "Request data length invalid";
            case 0xc8 -> "Request data field length limit exceeded";
            case 0xc9 -> "Parameter out of range";
            case 0xca -> "Cannot return number of requested data bytes";
            case 0xcb -> "Requested sensor, data, or record not found";
            case 0xcc -> "Invalid data field in request";
            case 0xcd -> "Command illegal for specified sensor or record type";
            case 0xce -> "Command response could not be provided";
            case 0xcf -> "Cannot execute duplicated request";
            case 0xd0 -> "SDR Repository in update mode";
            case 0xd1 -> "Device firmeware in update mode";
            case 0xd2 -> "BMC initialization in progress";
            case 0xd3 -> "Destination unavailable";
            case 0xd4 -> "Insufficient privilege level";
            case 0xd5 -> "Command not supported in present state";
            case 0xd6 -> "Cannot execute command, command disabled";
            case 0xff -> "Unspecified error";
            default -> String.format("Unknown (0x%02X)", cc);
        };
    }
}
