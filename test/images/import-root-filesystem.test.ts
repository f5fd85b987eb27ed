import { describe, expect, it } from 'vitest';
import { IMAGE_PATH, imageChanges } from '../../src/images/import-root-filesystem.ts';

const hash = 'a'.repeat(64);

describe('imageChanges (the Dockerfile lines `docker import` applies)', () => {
  it('labels the image with its name and recipe hash, then sets PATH, the recipe environment, /work and bash', () => {
    const changes = imageChanges({ image: 'sandbench-python', hash, options: { env: { LANG: 'C.UTF-8', PYTHONDONTWRITEBYTECODE: '1' } } });
    expect(changes).toEqual([
      'LABEL sandbench.image=sandbench-python',
      `LABEL sandbench.recipe-hash=${hash}`,
      'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'ENV LANG=C.UTF-8',
      'ENV PYTHONDONTWRITEBYTECODE=1',
      'WORKDIR /work',
      'CMD ["bash"]',
    ]);
  });

  it('lets a recipe replace PATH, keeping it first', () => {
    const changes = imageChanges({ image: 'sandbench-node', hash, options: { env: { NODE_ENV: 'production', PATH: '/opt/node/bin:/usr/bin' } } });
    expect(changes.filter((line) => line.startsWith('ENV '))).toEqual(['ENV PATH=/opt/node/bin:/usr/bin', 'ENV NODE_ENV=production']);
    expect(imageChanges({ image: 'sandbench-gcc', hash, options: {} })).toContain(`ENV PATH=${IMAGE_PATH}`);
  });
});
