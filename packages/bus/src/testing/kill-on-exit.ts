import { ChildProcess } from 'node:child_process';

/** Server processes the test harnesses started and have not stopped yet. */
const running = new Map<number, ChildProcess>();
let exitHookInstalled = false;

/**
 * Kills `child` with SIGKILL if this process exits before `forget` is called, so a failed or
 * interrupted test leaves no broker (Kafka's JVM, Mosquitto) behind. Returns `forget`, for when
 * the harness stopped the child itself.
 */
export function killOnExit(child: ChildProcess): () => void {
  const pid = child.pid;
  if (pid === undefined) return () => undefined;
  running.set(pid, child);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const id of running.keys()) {
        try {
          process.kill(id, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    });
  }
  return () => void running.delete(pid);
}
