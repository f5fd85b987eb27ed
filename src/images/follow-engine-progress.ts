import type Dockerode from 'dockerode';
import { SandboxError } from '../errors/sandbench-error.ts';

/** One JSON line of an engine progress stream (`docker build`, `docker import`). */
export interface EngineEvent {
  /** Status text (`Loading layer`, or the new image id `sha256:…` at the end of an import). */
  status?: string;
  /** Build output (a Dockerfile step and what it printed). */
  stream?: string;
  /** The engine's failure text. */
  error?: string;
  /** The engine's failure, structured. */
  errorDetail?: { message?: string };
  /** Extra data (the built image id). */
  aux?: { ID?: string };
}

/** Read a JSON-lines progress stream from the engine; reject on the first error event. */
export async function followEngineProgress(
  docker: Dockerode,
  stream: NodeJS.ReadableStream,
  onEvent: (event: EngineEvent) => void,
): Promise<EngineEvent[]> {
  return new Promise<EngineEvent[]>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (error: Error | null, output: EngineEvent[]) => {
        if (error) return reject(error);
        const failed = output.find((event) => event.error || event.errorDetail);
        if (failed) return reject(new SandboxError(failed.errorDetail?.message ?? failed.error ?? 'engine reported an error'));
        resolve(output);
      },
      (event: EngineEvent) => onEvent(event),
    );
  });
}
