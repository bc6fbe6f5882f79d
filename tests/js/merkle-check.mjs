// OpenZeppelin's own Merkle tree (@openzeppelin/merkle-tree) over the
// bytes32 leaves in a JSON file, in the given order (sortLeaves: false):
// prints {"root": ..., "proofs": [[...], ...]} for the Rust tree to match.
// Usage: node merkle-check.mjs LEAVES.json
import { readFileSync } from 'node:fs';
import { SimpleMerkleTree } from '@openzeppelin/merkle-tree';

const leaves = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const tree = SimpleMerkleTree.of(leaves, { sortLeaves: false });
const proofs = leaves.map((_, i) => tree.getProof(i));
console.log(JSON.stringify({ root: tree.root, proofs }));
