/**
 * The episode document a GP files: the episode as input, a pure document model, and its PDF rendering.
 */
export type { Episode } from './episode';
export { episodeFromMessages } from './episode';
export type { DocumentBlock, DocumentSection, EpisodeDocument, LabelledValue } from './model';
export { buildEpisodeDocument, EPISODE_DOCUMENT_TITLE } from './build';
export { renderEpisodePdf } from './render-pdf';
