//! Large zeroed arrays: the id tables and the tallies.
//!
//! At a province's size these are tens to hundreds of megabytes touched at
//! random. Taken from the system as anonymous memory with a hint for huge
//! pages, they cost a few hundred page faults instead of tens of thousands
//! and far fewer TLB misses; where the hint is not honoured they are plain
//! zeroed pages, and small arrays stay on the heap.

use bytemuck::Pod;
use memmap2::{Advice, MmapMut};
use std::ops::{Deref, DerefMut};

/// Arrays from this many bytes are mapped; smaller ones are not worth a
/// system call.
const MAPPED_FROM: usize = 2 << 20;

/// A fixed-length array of zeroed plain-data values.
pub struct Zeroed<T> {
    mem: Mem<T>,
}

enum Mem<T> {
    Heap(Vec<T>),
    Mapped(MmapMut),
}

impl<T> Default for Zeroed<T> {
    fn default() -> Zeroed<T> {
        Zeroed {
            mem: Mem::Heap(Vec::new()),
        }
    }
}

impl<T: Pod> Zeroed<T> {
    pub fn new(len: usize) -> Zeroed<T> {
        let bytes = len.saturating_mul(size_of::<T>());
        if bytes >= MAPPED_FROM
            && let Ok(map) = MmapMut::map_anon(bytes)
        {
            // A hint only: without transparent huge pages the map works the
            // same, a little slower.
            let _ = map.advise(Advice::HugePage);
            return Zeroed {
                mem: Mem::Mapped(map),
            };
        }
        Zeroed {
            mem: Mem::Heap(vec![T::zeroed(); len]),
        }
    }
}

impl<T: Pod> Deref for Zeroed<T> {
    type Target = [T];

    #[inline]
    fn deref(&self) -> &[T] {
        match &self.mem {
            Mem::Heap(v) => v,
            // Page-aligned and a whole number of `T`s long, so the cast
            // cannot fail.
            Mem::Mapped(m) => bytemuck::cast_slice(m),
        }
    }
}

impl<T: Pod> DerefMut for Zeroed<T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut [T] {
        match &mut self.mem {
            Mem::Heap(v) => v,
            Mem::Mapped(m) => bytemuck::cast_slice_mut(m),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_and_large_arrays_start_at_zero_and_keep_what_is_written() {
        for len in [0, 2, 1000, 3 << 20] {
            let mut a: Zeroed<[u64; 2]> = Zeroed::new(len);
            assert_eq!(a.len(), len);
            assert!(a.iter().all(|s| *s == [0, 0]));
            if len > 0 {
                a[len - 1] = [7, 9];
                a[0][1] = 3;
                assert_eq!((a[len - 1], a[0]), ([7, 9], [0, 3]));
            }
        }
    }
}
