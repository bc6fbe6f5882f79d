//! The Merkle tree a guarantee commitment uses: OpenZeppelin's layout
//! (`@openzeppelin/merkle-tree`'s `SimpleMerkleTree` with leaves in the
//! given order, verified by its `MerkleProof`). A node is keccak256 of its
//! two children sorted, so a proof is a list of siblings without sides.
//! The Settlement builds the same tree when an award settles, and the JS
//! wallet kit builds proofs with OpenZeppelin's own package: the tree here
//! must agree with both (a test checks the package's root).
//!
//! Layout: `2n − 1` nodes in one array, leaf `i` at `2n − 2 − i`, node `k`'s
//! children at `2k + 1` and `2k + 2`, the root at 0.

use alloy_primitives::{keccak256, B256};

/// keccak256 of the sorted pair.
pub fn hash_pair(a: B256, b: B256) -> B256 {
    let (x, y) = if a < b { (a, b) } else { (b, a) };
    let mut buf = [0u8; 64];
    buf[..32].copy_from_slice(x.as_slice());
    buf[32..].copy_from_slice(y.as_slice());
    keccak256(buf)
}

fn tree(leaves: &[B256]) -> Vec<B256> {
    let n = leaves.len();
    let mut t = vec![B256::ZERO; 2 * n - 1];
    for (i, l) in leaves.iter().enumerate() {
        t[2 * n - 2 - i] = *l;
    }
    for k in (0..n - 1).rev() {
        t[k] = hash_pair(t[2 * k + 1], t[2 * k + 2]);
    }
    t
}

/// The root over `leaves` (in order); `None` for no leaves.
pub fn root(leaves: &[B256]) -> Option<B256> {
    (!leaves.is_empty()).then(|| tree(leaves)[0])
}

/// The proof of leaf `i`: its siblings from the bottom up.
pub fn proof(leaves: &[B256], i: usize) -> Option<Vec<B256>> {
    if i >= leaves.len() {
        return None;
    }
    let t = tree(leaves);
    let mut k = 2 * leaves.len() - 2 - i;
    let mut out = Vec::new();
    while k > 0 {
        out.push(t[if k % 2 == 1 { k + 1 } else { k - 1 }]);
        k = (k - 1) / 2;
    }
    Some(out)
}

/// Whether `proof` takes `leaf` to `root`.
pub fn verify(root: B256, leaf: B256, proof: &[B256]) -> bool {
    proof.iter().fold(leaf, |node, p| hash_pair(node, *p)) == root
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_leaf_proves_into_the_root_and_nothing_else_does() {
        for n in 1..=13usize {
            let leaves: Vec<B256> = (0..n).map(|i| keccak256([i as u8])).collect();
            let r = root(&leaves).unwrap();
            for i in 0..n {
                let p = proof(&leaves, i).unwrap();
                assert!(verify(r, leaves[i], &p), "leaf {i} of {n}");
                assert!(!verify(r, keccak256([99u8]), &p), "a foreign leaf, {i} of {n}");
            }
        }
        assert_eq!(root(&[]), None);
        let one = [keccak256([1u8])];
        assert_eq!(root(&one), Some(one[0]), "a single leaf is the root");
    }
}
