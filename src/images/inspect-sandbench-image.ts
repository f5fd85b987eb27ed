import type Dockerode from 'dockerode';
import { RECIPE_HASH_LABEL } from './image-recipes.ts';

/** What the builder needs to know about an image the engine holds. */
export interface EngineImage {
  /** Engine image id (`sha256:…`). */
  id: string;
  /** The `sandbench.recipe-hash` label; absent on an image sandbench did not build. */
  hash: string | undefined;
  /** Image size in bytes as the engine reports it. */
  sizeBytes: number;
}

/** The image behind `reference`, or undefined when the engine has none. */
export async function inspectSandbenchImage(docker: Dockerode, reference: string): Promise<EngineImage | undefined> {
  try {
    const info = await docker.getImage(reference).inspect();
    return { id: info.Id, hash: info.Config?.Labels?.[RECIPE_HASH_LABEL], sizeBytes: info.Size };
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined;
    throw error;
  }
}
