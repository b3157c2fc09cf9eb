package dev.palisade.drivers.libvirt;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import org.libvirt.Connect;
import org.libvirt.LibvirtException;

/**
 * JNA direct-mapped calls into libvirt for the hot status path. libvirt-java wraps every call in a
 * reflective proxy and hands back domain objects with finalizers; the status of a domain needs three
 * plain calls and no garbage, so it takes this path (the rest of the driver stays on libvirt-java).
 */
final class LibvirtDirect {
    /** VIR_ERR_NO_DOMAIN (virerror.h). */
    static final int VIR_ERR_NO_DOMAIN = 42;

    static {
        Native.register(LibvirtDirect.class, "virt");
    }

    private LibvirtDirect() {
    }

    static native Pointer virDomainLookupByName(Pointer conn, String name);

    static native Pointer virDomainLookupByUUIDString(Pointer conn, String uuid);

    static native int virDomainGetState(Pointer domain, int[] state, int[] reason, int flags);

    static native int virDomainFree(Pointer domain);

    static native int virGetLastErrorCode();

    static native String virGetLastErrorMessage();

    static native void virResetLastError();

    /** A libvirt-java connection that lends its virConnectPtr to the direct calls. */
    static final class OwnedConnect extends Connect {
        OwnedConnect(String uri) throws LibvirtException {
            super(uri);
        }

        Pointer pointer() {
            return vcp == null ? null : vcp.getPointer();
        }
    }
}
