// The answer to a batch of bodies (POST /api/folders/:id/messages/bodies): for each message
// still there, in the order asked, a frame of uid and ciphertext length (uint32, big-endian)
// followed by the ciphertext. Binary rather than JSON: base64 would add a third to every body,
// and one response for many small bodies spares a request each (the search index and the
// export download whole mailboxes).

/** uid and length, 4 bytes each. */
export const BODY_FRAME_HEADER_BYTES = 8;

export function bodyFrameHeader(uid: number, ciphertextLength: number): Uint8Array {
  const header = new Uint8Array(BODY_FRAME_HEADER_BYTES);
  const view = new DataView(header.buffer);
  view.setUint32(0, uid);
  view.setUint32(4, ciphertextLength);
  return header;
}

/** Splits a whole answer into its bodies, each in an ArrayBuffer of its own (so that it can be
 * handed to the crypto worker). A frame cut short means the answer was broken off. */
export function readBodyFrames(answer: ArrayBuffer): Map<number, ArrayBuffer> {
  const view = new DataView(answer);
  const bodies = new Map<number, ArrayBuffer>();
  for (let offset = 0; offset < answer.byteLength; ) {
    if (offset + BODY_FRAME_HEADER_BYTES > answer.byteLength) throw new RangeError('the batch of bodies ends inside a frame header');
    const uid = view.getUint32(offset);
    const length = view.getUint32(offset + 4);
    const start = offset + BODY_FRAME_HEADER_BYTES;
    if (start + length > answer.byteLength) throw new RangeError(`the batch of bodies ends inside the body of ${uid}`);
    bodies.set(uid, answer.slice(start, start + length));
    offset = start + length;
  }
  return bodies;
}
