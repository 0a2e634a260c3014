import type { ArtifactStoreConfig } from '../../config/index.js';
import type { ArtifactStore } from './artifact-store.js';
import { LocalArtifactStore } from './local-artifact-store.js';
import { S3ArtifactStore } from './s3-artifact-store.js';

/** Builds the artifact store the configuration names. */
export async function openArtifactStore(config: ArtifactStoreConfig): Promise<ArtifactStore> {
  switch (config.type) {
    case 'local':
      return new LocalArtifactStore(config);
    case 's3':
      return S3ArtifactStore.create(config);
  }
}
