//! An open-addressing table from 64-bit ids to small values, built for
//! batches: looking up a batch first touches every home slot, so the cache
//! misses of the batch overlap instead of queueing one after another. At a
//! province's size the tables are far larger than the caches and those
//! misses are the whole cost of matching feed rows to persons.
//!
//! A large table is cut into partitions chosen by the id's hash, each probed
//! on its own, so that loading millions of ids can run on every core: each
//! worker owns whole partitions and no two touch the same slot.

use crate::memory::Zeroed;
use std::hint::black_box;

/// Marks an empty slot, so a new table is zeroed memory the system hands
/// out lazily; a real id 0 is kept aside.
const EMPTY: i64 = 0;
/// Lookups are batched this many at a time: enough misses in flight to
/// keep memory busy, few enough lines to stay in L1.
pub const BATCH: usize = 256;
/// Partitions of a table big enough to be worth loading in parallel.
const PARTITIONS: usize = 64;
const PARTITIONED_FROM: usize = 1 << 16;

/// A value that fits a table slot's second word.
pub trait Packed: Copy {
    fn pack(self) -> u64;
    fn unpack(bits: u64) -> Self;
}

impl Packed for u32 {
    fn pack(self) -> u64 {
        u64::from(self)
    }
    fn unpack(bits: u64) -> u32 {
        bits as u32
    }
}

/// Slots are pairs of words, id then packed value.
type Slot = [u64; 2];

pub struct IdTable<V> {
    slots: Zeroed<Slot>,
    /// Slots per partition; `slots.len()` is a multiple of it.
    part_len: usize,
    /// `partitions - 1`, partitions being a power of two.
    part_mask: u64,
    /// Ids per partition, to keep each under three quarters full.
    counts: Vec<usize>,
    len: usize,
    /// The value of the id 0, which cannot live in a slot.
    zero_key: Option<V>,
}

fn mix(key: i64) -> u64 {
    let x = u128::from(key as u64) * 0x9E37_79B9_7F4A_7C15;
    (x as u64) ^ ((x >> 64) as u64)
}

/// Whether one more id fits in a partition of `len` slots holding `count`.
fn fits(count: usize, len: usize) -> bool {
    (count + 1) * 4 <= len * 3
}

/// Where `key` (hashed to `hash`) is, or the empty slot where it would go,
/// in one partition.
#[inline]
fn probe(part: &[Slot], key: i64, hash: u64) -> Result<usize, usize> {
    let mut i = home(hash, part.len());
    loop {
        let k = part[i][0] as i64;
        if k == key {
            return Ok(i);
        }
        if k == EMPTY {
            return Err(i);
        }
        i += 1;
        if i == part.len() {
            i = 0;
        }
    }
}

/// The slot a probe starts at: the hash scaled to the partition length, so
/// the length need not be a power of two.
#[inline]
fn home(hash: u64, len: usize) -> usize {
    ((u128::from(hash) * len as u128) >> 64) as usize
}

impl<V: Packed> IdTable<V> {
    /// A table that holds `n` ids without growing.
    pub fn with_capacity(n: usize) -> IdTable<V> {
        let parts = if n >= PARTITIONED_FROM { PARTITIONS } else { 1 };
        IdTable::with_layout(n, parts)
    }

    fn with_layout(n: usize, parts: usize) -> IdTable<V> {
        let part_len = ((n + n / 2) / parts).max(16);
        IdTable {
            slots: Zeroed::new(part_len * parts),
            part_len,
            part_mask: parts as u64 - 1,
            counts: vec![0; parts],
            len: 0,
            zero_key: None,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The partition of a hash; the low bits choose it, the high bits the
    /// home slot within it.
    #[inline]
    fn part_of(&self, hash: u64) -> usize {
        (hash & self.part_mask) as usize
    }

    #[inline]
    fn part(&self, p: usize) -> &[Slot] {
        &self.slots[p * self.part_len..(p + 1) * self.part_len]
    }

    #[inline]
    fn find(&self, key: i64) -> (usize, Result<usize, usize>) {
        let hash = mix(key);
        let p = self.part_of(hash);
        (p, probe(self.part(p), key, hash))
    }

    #[inline]
    pub fn get(&self, key: i64) -> Option<V> {
        if key == EMPTY {
            return self.zero_key;
        }
        let (p, found) = self.find(key);
        found.ok().map(|i| V::unpack(self.part(p)[i][1]))
    }

    /// Changes the value of an id that is there; returns the old value.
    pub fn update(&mut self, key: i64, f: impl FnOnce(V) -> V) -> Option<V> {
        if key == EMPTY {
            let old = self.zero_key?;
            self.zero_key = Some(f(old));
            return Some(old);
        }
        let (p, found) = self.find(key);
        let slot = &mut self.slots[p * self.part_len + found.ok()?];
        let old = V::unpack(slot[1]);
        slot[1] = f(old).pack();
        Some(old)
    }

    /// Inserts unless the id is there; `Err` carries the value that stays.
    pub fn insert(&mut self, key: i64, value: V) -> Result<(), V> {
        if key == EMPTY {
            return match self.zero_key {
                Some(v) => Err(v),
                None => {
                    self.zero_key = Some(value);
                    self.len += 1;
                    Ok(())
                }
            };
        }
        let (mut p, mut found) = self.find(key);
        if found.is_err() && !fits(self.counts[p], self.part_len) {
            self.grow();
            (p, found) = self.find(key);
        }
        match found {
            Ok(i) => Err(V::unpack(self.part(p)[i][1])),
            Err(i) => {
                self.slots[p * self.part_len + i] = [key as u64, value.pack()];
                self.counts[p] += 1;
                self.len += 1;
                Ok(())
            }
        }
    }

    /// Twice the room, in one partition: a partition fills ahead of the
    /// others only when the ids are skewed, and then partitions do not help.
    fn grow(&mut self) {
        let old = std::mem::take(&mut self.slots);
        let zero_key = self.zero_key.take();
        *self = IdTable::with_layout(old.len() * 4 / 3, 1);
        self.zero_key = zero_key;
        self.len = usize::from(zero_key.is_some());
        for &[k, v] in old.iter().filter(|s| s[0] as i64 != EMPTY) {
            let _ = self.insert(k as i64, V::unpack(v));
        }
    }

    /// Looks up a batch of ids (at most [`BATCH`] at a time), calling `f`
    /// with each position and value. Every home slot is loaded before any
    /// probe: the loads are independent, so the processor overlaps their
    /// misses.
    #[inline]
    pub fn get_batch(&self, keys: &[i64], mut f: impl FnMut(usize, Option<V>)) {
        for (b, keys) in keys.chunks(BATCH).enumerate() {
            let mut hashes = [0u64; BATCH];
            let mut acc = 0u64;
            for (h, &k) in hashes.iter_mut().zip(keys) {
                *h = mix(k);
                let p = self.part_of(*h);
                acc ^= self.slots[p * self.part_len + home(*h, self.part_len)][0];
            }
            black_box(acc);
            for (i, (&k, &hash)) in keys.iter().zip(&hashes).enumerate() {
                let value = if k == EMPTY {
                    self.zero_key
                } else {
                    let p = self.part_of(hash);
                    probe(self.part(p), k, hash)
                        .ok()
                        .map(|i| V::unpack(self.part(p)[i][1]))
                };
                f(b * BATCH + i, value);
            }
        }
    }
}

impl<V: Packed + Send + Sync> IdTable<V> {
    /// The worker of [`IdTable::insert_all`] that will own `key`, so that
    /// whoever reads the ids can hand each worker only its own.
    pub fn owner(key: i64, threads: usize) -> usize {
        (mix(key) & (PARTITIONS as u64 - 1)) as usize % threads.clamp(1, PARTITIONS)
    }

    /// Inserts items on `threads` workers as if one by one in order: the
    /// first of equal ids stays. `lists` is either one list of chunks in
    /// file order, or one per worker with the items [`IdTable::owner`] gives
    /// it, each in file order. Returns the (list, chunk, position) of the
    /// items whose id came earlier, in order.
    ///
    /// Each worker takes the partitions `p ≡ worker (mod threads)` and skips
    /// the ids of other partitions, so the order within a partition, and
    /// with it which duplicate wins, is the order of the items.
    pub fn insert_all(&mut self, lists: &[Vec<&[(i64, V)]>], threads: usize) -> Vec<Position> {
        let parts = self.counts.len();
        let threads = threads.clamp(1, parts);
        let total: usize = lists.iter().flatten().map(|c| c.len()).sum();
        let room = total * 4 <= self.slots.len() * 3;
        let split = lists.len() == threads;
        if threads == 1 || !self.is_empty() || !room || !(split || lists.len() == 1) {
            return self.insert_in_order(lists);
        }
        let (part_len, mask) = (self.part_len, self.part_mask);
        let mut mine: Vec<Vec<(&mut [Slot], &mut usize)>> =
            (0..threads).map(|_| Vec::new()).collect();
        for (p, (part, count)) in self
            .slots
            .chunks_mut(part_len)
            .zip(self.counts.iter_mut())
            .enumerate()
        {
            mine[p % threads].push((part, count));
        }
        let results: Vec<Option<Vec<Position>>> = std::thread::scope(|scope| {
            let handles: Vec<_> = mine
                .into_iter()
                .enumerate()
                .map(|(t, mut parts)| {
                    let l = if split { t } else { 0 };
                    let work = Worker {
                        index: t,
                        threads,
                        mask,
                    };
                    scope.spawn(move || work.load(l, &lists[l], &mut parts))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().ok().flatten())
                .collect()
        });
        let mut duplicates = Vec::new();
        for r in results {
            match r {
                Some(d) => duplicates.extend(d),
                None => {
                    // A partition overflowed (skewed ids): start over, one
                    // at a time, letting the table grow.
                    *self = IdTable::with_layout(total, 1);
                    return self.insert_in_order(lists);
                }
            }
        }
        // The one id no slot can hold, in order like the rest.
        for (l, list) in lists.iter().enumerate() {
            for (c, chunk) in list.iter().enumerate() {
                for (i, &(k, v)) in chunk.iter().enumerate() {
                    if k == EMPTY && self.insert(k, v).is_err() {
                        duplicates.push((l, c, i));
                    }
                }
            }
        }
        duplicates.sort_unstable();
        self.len = total - duplicates.len();
        duplicates
    }

    fn insert_in_order(&mut self, lists: &[Vec<&[(i64, V)]>]) -> Vec<Position> {
        let mut duplicates = Vec::new();
        for (l, list) in lists.iter().enumerate() {
            for (c, chunk) in list.iter().enumerate() {
                for (i, &(k, v)) in chunk.iter().enumerate() {
                    if self.insert(k, v).is_err() {
                        duplicates.push((l, c, i));
                    }
                }
            }
        }
        duplicates
    }
}

/// Where an item was in the lists given to [`IdTable::insert_all`]: list,
/// chunk, position.
pub type Position = (usize, usize, usize);

/// One worker of [`IdTable::insert_all`].
struct Worker {
    index: usize,
    threads: usize,
    mask: u64,
}

impl Worker {
    /// Inserts the worker's ids of one list into its partitions; `None` if
    /// a partition would pass three quarters full.
    fn load<V: Packed>(
        &self,
        list: usize,
        chunks: &[&[(i64, V)]],
        parts: &mut [(&mut [Slot], &mut usize)],
    ) -> Option<Vec<Position>> {
        let (threads, mask) = (self.threads, self.mask);
        let mine = |hash: u64, key: i64| {
            let p = (hash & mask) as usize;
            (p % threads == self.index && key != EMPTY).then_some(p / threads)
        };
        let mut duplicates = Vec::new();
        let mut hashes = [0u64; BATCH];
        for (c, chunk) in chunks.iter().enumerate() {
            for (b, batch) in chunk.chunks(BATCH).enumerate() {
                // Hash the batch and touch its home slots first, so the
                // misses of the inserts that follow overlap.
                let mut acc = 0u64;
                for (h, &(k, _)) in hashes.iter_mut().zip(batch) {
                    *h = mix(k);
                    if let Some(q) = mine(*h, k) {
                        let (part, _) = &parts[q];
                        acc ^= part[home(*h, part.len())][0];
                    }
                }
                black_box(acc);
                for (i, (&hash, &(key, value))) in hashes.iter().zip(batch).enumerate() {
                    let Some(q) = mine(hash, key) else { continue };
                    let (part, count) = &mut parts[q];
                    match probe(part, key, hash) {
                        Ok(_) => duplicates.push((list, c, b * BATCH + i)),
                        Err(slot) => {
                            if !fits(**count, part.len()) {
                                return None;
                            }
                            part[slot] = [key as u64, value.pack()];
                            **count += 1;
                        }
                    }
                }
            }
        }
        Some(duplicates)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    proptest! {
        #[test]
        fn behaves_like_a_map(ops in prop::collection::vec((any::<i64>().prop_map(|k| k % 64), any::<u32>()), 0..400),
                              extremes in prop::collection::vec(prop::sample::select(vec![i64::MIN, i64::MAX, 0, -1]), 0..6)) {
            let mut table = IdTable::with_capacity(4);
            let mut model = HashMap::new();
            for (k, v) in ops.into_iter().chain(extremes.into_iter().map(|k| (k, 7))) {
                let expected = match model.get(&k) { Some(&old) => Err(old), None => { model.insert(k, v); Ok(()) } };
                prop_assert_eq!(table.insert(k, v), expected);
            }
            prop_assert_eq!(table.len(), model.len());
            for k in -70..70 {
                prop_assert_eq!(table.get(k), model.get(&k).copied());
            }
            let keys: Vec<i64> = model.keys().copied().chain([12345, i64::MIN, 0]).collect();
            table.get_batch(&keys, |i, v| assert_eq!(v, model.get(&keys[i]).copied()));
        }

        #[test]
        fn parallel_load_is_the_sequential_one(keys in prop::collection::vec(any::<i64>().prop_map(|k| k % 5000), 0..3000),
                                               threads in 1usize..4, extremes in 0usize..3, split in any::<bool>()) {
            // Partitioned from the start, as at a province's size; with
            // these few ids a partition now and then fills ahead of the
            // rest, which takes the one-at-a-time way.
            let items: Vec<(i64, u32)> = keys
                .iter()
                .copied()
                .chain(std::iter::repeat_n(0, extremes))
                .enumerate()
                .map(|(i, k)| (k, i as u32))
                .collect();
            // Either one list in file order, or one per worker as a reader
            // hands them out.
            let mut table = IdTable::with_layout(items.len(), PARTITIONS);
            let lists: Vec<Vec<(i64, u32)>> = if split {
                (0..threads)
                    .map(|t| items.iter().copied().filter(|&(k, _)| IdTable::<u32>::owner(k, threads) == t).collect())
                    .collect()
            } else {
                vec![items.clone()]
            };
            let chunked: Vec<Vec<&[(i64, u32)]>> = lists.iter().map(|l| l.chunks(700).collect()).collect();
            let duplicates: Vec<(i64, u32)> = table
                .insert_all(&chunked, threads)
                .into_iter()
                .map(|(l, c, i)| lists[l][c * 700 + i])
                .collect();
            let mut model = HashMap::new();
            let mut expected = Vec::new();
            for &(k, v) in &items {
                match model.entry(k) {
                    std::collections::hash_map::Entry::Occupied(_) => expected.push((k, v)),
                    std::collections::hash_map::Entry::Vacant(e) => { e.insert(v); }
                }
            }
            let mut duplicates = duplicates;
            duplicates.sort_unstable_by_key(|&(_, v)| v);
            prop_assert_eq!(duplicates, expected);
            prop_assert_eq!(table.len(), model.len());
            for (&k, &v) in &model {
                prop_assert_eq!(table.get(k), Some(v));
            }
            prop_assert_eq!(table.get(123_456_789), None);
            prop_assert_eq!(table.get(0), model.get(&0).copied());
        }
    }
}
