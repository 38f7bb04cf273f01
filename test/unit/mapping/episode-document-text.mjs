// Prints the text of the PDF given on stdin, one line per text line, pages separated by a form feed line.
// Run as a child process by the episode document tests: pdfjs-dist ships only ES modules, which Jest's
// CommonJS module system cannot load.
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

const chunks = [];
for await (const chunk of process.stdin) {
  chunks.push(chunk);
}
const pdf = await getDocument({ data: new Uint8Array(Buffer.concat(chunks)), verbosity: 0 }).promise;
const pages = [];
for (let number = 1; number <= pdf.numPages; number += 1) {
  const page = await pdf.getPage(number);
  const content = await page.getTextContent();
  let line = '';
  const lines = [];
  for (const item of content.items) {
    if (!('str' in item)) {
      continue;
    }
    line += item.str;
    if (item.hasEOL) {
      lines.push(line.trimEnd());
      line = '';
    }
  }
  if (line !== '') {
    lines.push(line.trimEnd());
  }
  pages.push(lines.filter((l) => l !== '').join('\n'));
}
const metadata = await pdf.getMetadata();
process.stdout.write(JSON.stringify({ pages, info: metadata.info, structTree: await structureOf(pdf) }));

/** The tag names of page 1's structure tree, depth first, to check headings, tables and lists are tagged. */
async function structureOf(document) {
  const page = await document.getPage(1);
  const tree = await page.getStructTree();
  const roles = [];
  const walk = (node) => {
    if (node && typeof node === 'object' && 'role' in node) {
      roles.push(node.role);
    }
    for (const child of node?.children ?? []) {
      walk(child);
    }
  };
  walk(tree);
  return roles;
}
