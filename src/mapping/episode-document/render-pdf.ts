/**
 * Lays the episode document out as a tagged PDF with pdfkit: a title (H1), one H2 per section and H3 below it,
 * real text in 11 pt Helvetica, tables whose header cells are TH, lists as L/LI, the language en-GB and the
 * document title shown in the viewer's title bar. The output is byte-for-byte the same for the same document:
 * the creation date comes from the document and pdfkit derives the file id from the info dictionary.
 */
import PDFDocument from 'pdfkit';
import { createdAtText } from './build';
import type { DocumentBlock, EpisodeDocument, LabelledValue } from './model';

const REGULAR = 'Helvetica';
const BOLD = 'Helvetica-Bold';
const BODY_SIZE = 11;
const SIZES = { H1: 20, H2: 15, H3: 12 } as const;
const MARGIN = 56;
/** Names the software in the PDF's Creator and Producer fields instead of the library's default. */
const PRODUCER = 'sp-fhir-adapter';

type Pdf = PDFKit.PDFDocument;
type Struct = PDFKit.PDFStructureElement;

/** pdfkit's table accepts a structure parent (it then tags Table/TR/TH/TD); its published types omit it. */
interface AccessibleTableOptions extends PDFKit.Mixins.TableOptionsWithData {
  readonly structParent: Struct;
}

/**
 * Starts a new page when less than `height` points are left, so a heading or a table's header row is never the
 * last thing on a page.
 */
function keepRoomFor(pdf: Pdf, height: number): void {
  if (pdf.y + height > pdf.page.height - pdf.page.margins.bottom) {
    pdf.addPage();
  }
}

function heading(pdf: Pdf, parent: Struct, level: keyof typeof SIZES, text: string): void {
  keepRoomFor(pdf, 90);
  pdf.moveDown(level === 'H3' ? 0.4 : 0.8);
  pdf.font(BOLD).fontSize(SIZES[level]).text(text, { structParent: parent, structType: level });
  pdf.moveDown(0.3);
  pdf.font(REGULAR).fontSize(BODY_SIZE);
}

function paragraph(pdf: Pdf, parent: Struct, text: string): void {
  pdf.font(REGULAR).fontSize(BODY_SIZE).text(text, { structParent: parent, structType: 'P' });
  pdf.moveDown(0.3);
}

function list(pdf: Pdf, parent: Struct, items: readonly string[]): void {
  const element = pdf.struct('L');
  parent.add(element);
  pdf
    .font(REGULAR)
    .fontSize(BODY_SIZE)
    .list([...items], {
      structParent: element,
      bulletRadius: 2,
      textIndent: 12,
      bulletIndent: 4,
    });
  element.end();
  pdf.moveDown(0.3);
}

function table(
  pdf: Pdf,
  parent: Struct,
  header: readonly string[] | undefined,
  rows: readonly (readonly string[])[],
): void {
  const headerCell = (text: string): PDFKit.Mixins.CellOptions => ({ text, type: 'TH', font: { src: BOLD } });
  const options: AccessibleTableOptions = {
    structParent: parent,
    defaultStyle: { padding: 4, border: 0.5, borderColor: '#767676' },
    data: [
      ...(header === undefined ? [] : [header.map(headerCell)]),
      ...rows.map((row) => row.map((text): PDFKit.Mixins.CellOptions => ({ text }))),
    ],
  };
  keepRoomFor(pdf, 70);
  pdf.font(REGULAR).fontSize(BODY_SIZE - 1);
  pdf.table(options);
  pdf.x = MARGIN;
  pdf.font(REGULAR).fontSize(BODY_SIZE).moveDown(0.5);
}

/** Label/value facts: a two-column table whose label cells head their rows. */
function fields(pdf: Pdf, parent: Struct, rows: readonly LabelledValue[]): void {
  const options: AccessibleTableOptions = {
    structParent: parent,
    columnStyles: [150, '*'],
    defaultStyle: { padding: 4, border: 0.5, borderColor: '#767676' },
    data: rows.map((row) => [{ text: row.label, type: 'TH', font: { src: BOLD } }, { text: row.value }]),
  };
  pdf.font(REGULAR).fontSize(BODY_SIZE);
  pdf.table(options);
  pdf.x = MARGIN;
  pdf.moveDown(0.5);
}

function block(pdf: Pdf, parent: Struct, content: DocumentBlock): void {
  switch (content.kind) {
    case 'paragraph':
      paragraph(pdf, parent, content.text);
      return;
    case 'fields':
      fields(pdf, parent, content.rows);
      return;
    case 'table':
      table(pdf, parent, content.columns, content.rows);
      return;
    case 'list':
      list(pdf, parent, content.items);
      return;
    case 'subheading':
      heading(pdf, parent, 'H3', content.text);
      return;
  }
}

/** "Page n of m" and the NHS number on every page, marked as a pagination artifact so readers skip it. */
function footers(pdf: Pdf, document: EpisodeDocument): void {
  const nhsNumber = document.about.find((fact) => fact.label === 'NHS number')?.value ?? '';
  const range = pdf.bufferedPageRange();
  for (let index = range.start; index < range.start + range.count; index += 1) {
    pdf.switchToPage(index);
    const bottom = pdf.page.margins.bottom;
    // Writing below the bottom margin would start a new page; the footer sits in the margin on purpose.
    pdf.page.margins.bottom = 0;
    pdf.markContent('Artifact', { type: 'Pagination' });
    pdf
      .font(REGULAR)
      .fontSize(9)
      .text(
        `${document.title} - NHS number ${nhsNumber} - page ${String(index + 1)} of ${String(range.count)}`,
        MARGIN,
        pdf.page.height - MARGIN + 16,
        { width: pdf.page.width - 2 * MARGIN, align: 'center', lineBreak: false },
      );
    pdf.endMarkedContent();
    pdf.page.margins.bottom = bottom;
  }
}

export function renderEpisodePdf(document: EpisodeDocument): Promise<Buffer> {
  const pdf = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    pdfVersion: '1.7',
    lang: document.language,
    tagged: true,
    displayTitle: true,
    bufferPages: true,
    font: REGULAR,
    info: {
      Title: document.title,
      Author: document.author,
      Subject: document.subject,
      Creator: PRODUCER,
      Producer: PRODUCER,
      CreationDate: document.createdAt,
      ModDate: document.createdAt,
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    pdf.on('data', (chunk: Buffer) => chunks.push(chunk));
    pdf.on('end', () => {
      resolve(Buffer.concat(chunks));
    });
    pdf.on('error', reject);
  });

  const root = pdf.struct('Document');
  pdf.addStructure(root);
  heading(pdf, root, 'H1', document.title);
  paragraph(pdf, root, `Written ${createdAtText(document)} (UK time).`);
  fields(pdf, root, document.about);
  for (const section of document.sections) {
    const sect = pdf.struct('Sect');
    root.add(sect);
    heading(pdf, sect, 'H2', section.heading);
    for (const content of section.blocks) {
      block(pdf, sect, content);
    }
    sect.end();
  }
  root.end();
  footers(pdf, document);
  pdf.end();
  return done;
}
