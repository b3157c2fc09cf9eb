package dev.palisade.fence.listener;

import dev.palisade.fence.config.FenceDaemonConfig.SerialListenerConfig.Mode;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

/**
 * Finds, in a libvirt domain XML, the UNIX sockets a fence gateway talks to the guest through, as
 * fence_virtd's serial listener does: {@code <serial type='unix'><source mode='bind' path=.../>} in
 * serial mode, {@code <channel type='unix'>} in vmchannel mode; with a configured directory, only sockets
 * directly inside it.
 */
public final class DomainSockets {
    private DomainSockets() {
    }

    public static List<Path> find(String xml, Mode mode, Path directory) throws IOException {
        Document doc = parse(xml);
        List<Path> out = new ArrayList<>();
        String device = mode == Mode.SERIAL ? "serial" : "channel";
        NodeList devices = doc.getElementsByTagName("devices");
        for (int d = 0; d < devices.getLength(); d++) {
            for (Node n = devices.item(d).getFirstChild(); n != null; n = n.getNextSibling()) {
                if (!(n instanceof Element e) || !e.getTagName().equals(device) || !"unix".equals(e.getAttribute("type"))) {
                    continue;
                }
                NodeList sources = e.getElementsByTagName("source");
                for (int s = 0; s < sources.getLength(); s++) {
                    Element src = (Element) sources.item(s);
                    String path = src.getAttribute("path");
                    if (!"bind".equals(src.getAttribute("mode")) || path.isEmpty()) {
                        continue;
                    }
                    Path p = Path.of(path);
                    if (directory == null || directory.equals(p.getParent())) {
                        out.add(p);
                    }
                }
            }
        }
        return out;
    }

    /**
     * The vsock CID libvirt gave the domain ({@code <vsock><cid address='N'/></vsock>}), or -1 when it has
     * none; the gateway identifies a vsock caller by it.
     */
    public static long vsockCid(String xml) throws IOException {
        NodeList vsocks = parse(xml).getElementsByTagName("vsock");
        for (int i = 0; i < vsocks.getLength(); i++) {
            NodeList cids = ((Element) vsocks.item(i)).getElementsByTagName("cid");
            for (int c = 0; c < cids.getLength(); c++) {
                String a = ((Element) cids.item(c)).getAttribute("address");
                try {
                    return Long.parseLong(a.trim());
                } catch (NumberFormatException e) {
                    // auto-assigned and not running yet: no address
                }
            }
        }
        return -1;
    }

    private static Document parse(String xml) throws IOException {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            // a domain XML has no DTD: refuse one, and every external entity with it
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setXIncludeAware(false);
            f.setExpandEntityReferences(false);
            DocumentBuilder b = f.newDocumentBuilder();
            b.setErrorHandler(null);
            return b.parse(new InputSource(new StringReader(xml)));
        } catch (ParserConfigurationException | SAXException e) {
            throw new IOException("domain XML does not parse: " + e.getMessage(), e);
        }
    }
}
