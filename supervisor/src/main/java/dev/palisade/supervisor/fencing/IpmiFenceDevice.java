package dev.palisade.supervisor.fencing;

import dev.palisade.drivers.ipmi.ChassisControl;
import dev.palisade.drivers.ipmi.IpmiSession;
import dev.palisade.drivers.ipmi.IpmiTarget;
import java.io.IOException;

/** Power through the node's BMC, natively over IPMI v2.0 RMCP+; one session per call, always closed. */
public final class IpmiFenceDevice implements FenceDevice {
    private final IpmiTarget target;

    public IpmiFenceDevice(IpmiTarget target) {
        this.target = target;
    }

    @Override
    public String describe() {
        return "ipmi " + target;
    }

    /** The BMC reads its own chassis: off is off (a BMC that cannot tell fails the call instead). */
    @Override
    public boolean offIsReliable() {
        return true;
    }

    @Override
    public Power status() throws IOException {
        try (IpmiSession s = IpmiSession.open(target)) {
            return s.chassisStatus().powerOn() ? Power.ON : Power.OFF;
        }
    }

    @Override
    public void off() throws IOException {
        control(ChassisControl.POWER_DOWN);
    }

    @Override
    public void on() throws IOException {
        control(ChassisControl.POWER_UP);
    }

    private void control(ChassisControl c) throws IOException {
        try (IpmiSession s = IpmiSession.open(target)) {
            s.chassisControl(c);
        }
    }
}
