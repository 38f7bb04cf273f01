/**
 * The episode document as plain data: a title, facts about the person, and sections of paragraphs, label/value
 * rows, tables and lists. Built once from an episode; the PDF renderer (and any other renderer) only lays it out,
 * so what the GP reads is decided and tested here, apart from fonts and pages.
 */

export interface LabelledValue {
  readonly label: string;
  readonly value: string;
}

export type DocumentBlock =
  | { readonly kind: 'paragraph'; readonly text: string }
  /** Facts as label/value pairs, read as a two-column table whose first column heads each row. */
  | { readonly kind: 'fields'; readonly rows: readonly LabelledValue[] }
  | {
      readonly kind: 'table';
      /** Says what the table holds, for a reader who meets it out of context (a screen reader's table summary). */
      readonly summary: string;
      readonly columns: readonly string[];
      readonly rows: readonly (readonly string[])[];
    }
  | { readonly kind: 'list'; readonly items: readonly string[] }
  /** A heading one level below the section's own. */
  | { readonly kind: 'subheading'; readonly text: string };

export interface DocumentSection {
  readonly heading: string;
  readonly blocks: readonly DocumentBlock[];
}

export interface EpisodeDocument {
  readonly title: string;
  /** BCP 47 language of the whole text. */
  readonly language: 'en-GB';
  /** When the document was made: the time of the newest record it summarises, so the same input gives the same document. */
  readonly createdAt: Date;
  /** Who the document is about, shown at the top before any section. */
  readonly about: readonly LabelledValue[];
  readonly sections: readonly DocumentSection[];
  /** The organisation that wrote it (the link worker's), for the document's author field. */
  readonly author: string;
  /** One line for the document's subject field; names no patient detail. */
  readonly subject: string;
}
