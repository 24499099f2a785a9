// Byte helpers for code above crypto/ (mime/ may import only shared/): the one definition
// lives in crypto/bytes.ts.
export { concatBytes } from '../crypto/bytes.ts';
