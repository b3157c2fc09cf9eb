package dev.palisade.supervisor.node;

import dev.palisade.supervisor.fencing.FenceCoordinator;

/**
 * Hears, on the node loop, every transition of the failover machine and every fence outcome (once per fence,
 * however many asked for it): the persisted history and the metrics' counters. Called on the loop, so an
 * implementation must return at once: slow work (a file write) is handed to a thread of its own.
 */
public interface Recorder {
    void transition(NodeStatus.Transition t);

    /** {@code atMillis}: wall-clock time the fence ended, from the loop's clock. */
    void fenced(FenceCoordinator.Outcome o, long atMillis);

    /** Records nothing (the simulation, tests). */
    Recorder NONE = new Recorder() {
        @Override
        public void transition(NodeStatus.Transition t) {
        }

        @Override
        public void fenced(FenceCoordinator.Outcome o, long atMillis) {
        }
    };

    /** Both, in order. */
    static Recorder both(Recorder a, Recorder b) {
        return new Recorder() {
            @Override
            public void transition(NodeStatus.Transition t) {
                a.transition(t);
                b.transition(t);
            }

            @Override
            public void fenced(FenceCoordinator.Outcome o, long atMillis) {
                a.fenced(o, atMillis);
                b.fenced(o, atMillis);
            }
        };
    }
}
