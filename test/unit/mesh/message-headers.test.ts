/**
 * Building and reading mex-* headers and cutting bodies into chunks, without a server.
 */
import {
  parseChunkRange,
  readMetadata,
  sendHeaders,
  splitIntoChunks,
} from '../../../src/delivery/mesh/message-headers';

describe('splitIntoChunks', () => {
  test('keeps a body no larger than the chunk size whole', () => {
    const body = Buffer.from('exactly ten');
    expect(splitIntoChunks(body, body.length)).toEqual([body]);
    expect(splitIntoChunks(Buffer.alloc(0), 5)).toEqual([Buffer.alloc(0)]);
  });

  test('cuts a larger body into full chunks and a remainder, in order', () => {
    const body = Buffer.from('abcdefghijk');
    const chunks = splitIntoChunks(body, 4);
    expect(chunks.map((c) => c.toString())).toEqual(['abcd', 'efgh', 'ijk']);
    expect(Buffer.concat(chunks).equals(body)).toBe(true);
  });
});

describe('parseChunkRange', () => {
  test.each([
    ['1:3', { chunk: 1, total: 3 }],
    ['3:3', { chunk: 3, total: 3 }],
    [' 2:5 ', { chunk: 2, total: 5 }],
  ])('%s', (range, expected) => {
    expect(parseChunkRange(range)).toEqual(expected);
  });

  test.each([undefined, '', '0:3', '4:3', '1-3', 'a:b', '1:'])('%s is not a range', (range) => {
    expect(parseChunkRange(range)).toBeUndefined();
  });
});

describe('sendHeaders', () => {
  const message = { to: 'x26hc005', workflowId: 'GPFED_CONSULT_REPORT', body: Buffer.from('x') };

  test('carries the sender, recipient, workflow, optional fields and the chunk range', () => {
    const result = sendHeaders(
      'X26HC006',
      { ...message, fileName: 'report.json', localId: 'ref-1', subject: 'Consultation report' },
      3,
      'sha256:abc',
    );
    expect(result).toEqual({
      ok: true,
      headers: {
        'mex-from': 'X26HC006',
        'mex-to': 'x26hc005',
        'mex-workflowid': 'GPFED_CONSULT_REPORT',
        'mex-filename': 'report.json',
        'mex-localid': 'ref-1',
        'mex-subject': 'Consultation report',
        'mex-content-checksum': 'sha256:abc',
        'mex-chunk-range': '1:3',
        'content-type': 'application/octet-stream',
      },
    });
  });

  test('marks compressed and encrypted bodies and leaves out the range of a single chunk', () => {
    const result = sendHeaders('X26HC006', { ...message, contentEncoding: 'gzip', encrypted: true }, 1, undefined);
    expect(result.ok && result.headers).toMatchObject({
      'mex-content-compressed': 'Y',
      'mex-content-encrypted': 'Y',
      'content-encoding': 'gzip',
    });
    expect(result.ok && result.headers['mex-chunk-range']).toBeUndefined();
  });

  test('names every problem by header: missing, too long, not ASCII', () => {
    const result = sendHeaders(
      'X26HC006',
      { to: '', workflowId: 'W', body: Buffer.alloc(0), localId: 'x'.repeat(301), subject: 'Überweisung' },
      1,
      undefined,
    );
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems).toEqual([
      { path: 'mex-to', message: 'is required' },
      { path: 'mex-localid', message: 'is 301 characters long; MESH allows at most 300' },
      { path: 'mex-subject', message: 'may only contain printable ASCII characters' },
    ]);
  });
});

describe('readMetadata', () => {
  test('reads the mex-* headers of a download, with the chunk count from the range', () => {
    const metadata = readMetadata('fallback', {
      'mex-messageid': '20200601122152994285_D59900',
      'mex-from': 'X26HC006',
      'mex-to': 'X26HC005',
      'mex-workflowid': 'API-DOCS-TEST',
      'mex-filename': 'message.txt.gz',
      'mex-localid': 'api-docs-bob-sends-alice-a-chunked-file',
      'mex-messagetype': 'DATA',
      'mex-chunk-range': '1:2',
      'mex-content-compressed': 'N',
      'content-type': 'application/octet-stream',
    });
    expect(metadata).toEqual({
      messageId: '20200601122152994285_D59900',
      from: 'X26HC006',
      to: 'X26HC005',
      workflowId: 'API-DOCS-TEST',
      fileName: 'message.txt.gz',
      localId: 'api-docs-bob-sends-alice-a-chunked-file',
      messageType: 'DATA',
      contentType: 'application/octet-stream',
      compressed: false,
      encrypted: false,
      chunkCount: 2,
    });
  });

  test('falls back to the requested id and one chunk when the headers say nothing', () => {
    expect(readMetadata('asked-for', {})).toEqual({
      messageId: 'asked-for',
      compressed: false,
      encrypted: false,
      chunkCount: 1,
    });
  });
});
