//! `memcpy`, `memmove` and `memcmp` for the static (musl) binary.
//!
//! musl's x86-64 `memcpy` copies every block with `rep movsq` and then a
//! byte loop, and `rep` costs tens of cycles before it copies anything. The
//! harvest makes millions of small copies (html5ever alone about 3.6 million
//! of 15 bytes on average per heavy real-corpus harvest), and in the
//! packaged binary musl's `memcpy` was 10.5% of the samples (`perf`,
//! BENCHMARKS.md, session 20). Here a copy of up to 64 bytes is two to four
//! unaligned loads and as many stores; a longer one is `rep movsq` as in
//! musl, with its last bytes moved by one unaligned load and store instead
//! of a byte loop. musl's `memcmp` reads a byte at a time, and SQLite
//! compares keys that share long prefixes (URLs, hex digests); here it
//! reads 8 bytes at a time.
//!
//! Every copying path reads what it needs before it writes, or copies in
//! the direction that never reads a byte it has already written, so the
//! same code is `memmove` too. There is no copying loop in Rust here: the
//! compiler could turn one back into a call to `memcpy`, which would be
//! this function calling itself; `memcmp`'s loop returns the order of the
//! first difference, which is no pattern the compiler replaces. The symbols
//! are defined only in the musl build, where they take the place of musl's
//! own (the linker then takes none of musl's objects for them from its
//! archive; its `bcmp` calls this `memcmp`); elsewhere the C library's are
//! used and this module is compiled only for its tests.

#![allow(unsafe_code)]

use std::arch::x86_64::{__m128i, _mm_loadu_si128, _mm_storeu_si128};
use std::cmp::Ordering;
use std::ptr::{read_unaligned, write_unaligned};

#[cfg(target_env = "musl")]
#[no_mangle]
unsafe extern "C" fn memcpy(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // SAFETY: the caller's contract is `memcpy`'s, which `copy` needs.
    unsafe { copy(dest, src, n) };
    dest
}

#[cfg(target_env = "musl")]
#[no_mangle]
unsafe extern "C" fn memmove(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // SAFETY: the caller's contract is `memmove`'s, which `copy` needs.
    unsafe { copy(dest, src, n) };
    dest
}

#[cfg(target_env = "musl")]
#[no_mangle]
unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> std::ffi::c_int {
    // SAFETY: the caller's contract is `memcmp`'s, which `compare` needs.
    match unsafe { compare(a, b, n) } {
        Ordering::Less => -1,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    }
}

/// The order of the first `n` bytes at `a` and at `b`, byte by byte as
/// unsigned numbers (`memcmp`'s).
///
/// # Safety
/// `a` and `b` must be valid for reading `n` bytes.
unsafe fn compare(a: *const u8, b: *const u8, n: usize) -> Ordering {
    // SAFETY (every block below): each load lies inside the `n` bytes the
    // caller makes readable. A window that overlaps bytes already found
    // equal finds its first difference where the whole range has it, and
    // big-endian words order as their bytes do.
    unsafe {
        if n < 8 {
            return match n {
                0 => Ordering::Equal,
                1 => (*a).cmp(&*b),
                2..=3 => ends_order::<u16>(a, b, n, u16::from_be),
                _ => ends_order::<u32>(a, b, n, u32::from_be),
            };
        }
        let mut at = 0;
        while at + 8 <= n {
            let x = read_unaligned(a.add(at).cast::<u64>());
            let y = read_unaligned(b.add(at).cast::<u64>());
            if x != y {
                return u64::from_be(x).cmp(&u64::from_be(y));
            }
            at += 8;
        }
        if at == n {
            return Ordering::Equal;
        }
        let x = read_unaligned(a.add(n - 8).cast::<u64>());
        let y = read_unaligned(b.add(n - 8).cast::<u64>());
        u64::from_be(x).cmp(&u64::from_be(y))
    }
}

/// The order of the first and then of the last `size_of::<T>()` bytes,
/// which together cover `n` when `size_of::<T>() <= n <= 2 * size_of::<T>()`.
#[inline(always)]
unsafe fn ends_order<T: Ord>(a: *const u8, b: *const u8, n: usize, be: fn(T) -> T) -> Ordering {
    let last = n - std::mem::size_of::<T>();
    // SAFETY: see `compare`; both ends are inside the `n` bytes.
    unsafe {
        let first = be(read_unaligned(a.cast::<T>())).cmp(&be(read_unaligned(b.cast::<T>())));
        first.then_with(|| {
            be(read_unaligned(a.add(last).cast::<T>()))
                .cmp(&be(read_unaligned(b.add(last).cast::<T>())))
        })
    }
}

/// Copies `n` bytes from `src` to `dest`; the two may overlap.
///
/// # Safety
/// `src` must be valid for reading and `dest` for writing `n` bytes.
#[inline(always)]
unsafe fn copy(dest: *mut u8, src: *const u8, n: usize) {
    // SAFETY (every block below): the caller makes `[src, src + n)`
    // readable and `[dest, dest + n)` writable, and each load and store
    // stays inside them; all loads come before the first store, except in
    // `long`, which says why its order is safe.
    unsafe {
        match n {
            0 => {}
            1 => *dest = *src,
            2..=3 => ends::<u16>(dest, src, n),
            4..=7 => ends::<u32>(dest, src, n),
            8..=16 => ends::<u64>(dest, src, n),
            17..=32 => {
                let a = _mm_loadu_si128(src.cast::<__m128i>());
                let b = _mm_loadu_si128(src.add(n - 16).cast::<__m128i>());
                _mm_storeu_si128(dest.cast::<__m128i>(), a);
                _mm_storeu_si128(dest.add(n - 16).cast::<__m128i>(), b);
            }
            33..=64 => {
                let a = _mm_loadu_si128(src.cast::<__m128i>());
                let b = _mm_loadu_si128(src.add(16).cast::<__m128i>());
                let c = _mm_loadu_si128(src.add(n - 32).cast::<__m128i>());
                let d = _mm_loadu_si128(src.add(n - 16).cast::<__m128i>());
                _mm_storeu_si128(dest.cast::<__m128i>(), a);
                _mm_storeu_si128(dest.add(16).cast::<__m128i>(), b);
                _mm_storeu_si128(dest.add(n - 32).cast::<__m128i>(), c);
                _mm_storeu_si128(dest.add(n - 16).cast::<__m128i>(), d);
            }
            _ => long(dest, src, n),
        }
    }
}

/// The first and the last `size_of::<T>()` bytes, which together cover
/// `n` when `size_of::<T>() <= n <= 2 * size_of::<T>()`.
#[inline(always)]
unsafe fn ends<T>(dest: *mut u8, src: *const u8, n: usize) {
    let last = n - std::mem::size_of::<T>();
    // SAFETY: see `copy`; both ends are inside the `n` bytes.
    unsafe {
        let a = read_unaligned(src.cast::<T>());
        let b = read_unaligned(src.add(last).cast::<T>());
        write_unaligned(dest.cast::<T>(), a);
        write_unaligned(dest.add(last).cast::<T>(), b);
    }
}

/// More than 64 bytes: whole 8-byte words with `rep movsq`, and the 1–7
/// bytes left over by one unaligned 8-byte load and store at the other end,
/// read before the words are copied.
#[inline(never)]
unsafe fn long(dest: *mut u8, src: *const u8, n: usize) {
    let words = n / 8;
    // `dest` before `src` (or no overlap): forwards, where each word is read
    // before anything at or after it is written. The last 8 bytes are read
    // first and written last.
    if (dest as usize).wrapping_sub(src as usize) >= n {
        // SAFETY: see `copy` and above; `rep movsq` copies `words` words
        // upwards from `rsi` to `rdi`, the direction flag being clear as
        // the ABI keeps it.
        unsafe {
            let tail = read_unaligned(src.add(n - 8).cast::<u64>());
            std::arch::asm!(
                "rep movsq",
                inout("rdi") dest => _,
                inout("rsi") src => _,
                inout("rcx") words => _,
                options(nostack, preserves_flags),
            );
            write_unaligned(dest.add(n - 8).cast::<u64>(), tail);
        }
    } else {
        // `dest` inside `(src, src + n)`: backwards, from the last word
        // down, with the first 8 bytes read first and written last.
        // SAFETY: as above, downwards: `std` makes `rep movsq` step down
        // from the last word, and `cld` clears the flag again before the
        // block ends, as the ABI requires.
        unsafe {
            let head = read_unaligned(src.cast::<u64>());
            std::arch::asm!(
                "std",
                "rep movsq",
                "cld",
                inout("rdi") dest.add(n - 8) => _,
                inout("rsi") src.add(n - 8) => _,
                inout("rcx") words => _,
                options(nostack),
            );
            write_unaligned(dest.cast::<u64>(), head);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::copy;

    /// What a copy through a buffer would leave: `len` bytes from `from`
    /// to `to` in `data`.
    fn expected(data: &[u8], from: usize, to: usize, len: usize) -> Vec<u8> {
        let mut out = data.to_vec();
        out.copy_within(from..from + len, to);
        out
    }

    #[test]
    fn compares_as_bytes_do_at_every_length_and_first_difference() {
        let base: Vec<u8> = (0..100u32).map(|i| (i * 37 + 11) as u8).collect();
        let order = |a: &[u8], b: &[u8]| {
            // SAFETY: both slices hold `a.len()` bytes.
            unsafe { super::compare(a.as_ptr(), b.as_ptr(), a.len()) }
        };
        for len in 0..=80 {
            let a = &base[..len];
            assert_eq!(order(a, a), std::cmp::Ordering::Equal, "len {len}");
            for at in 0..len {
                for (x, y) in [(0x00u8, 0xffu8), (0x7f, 0x80), (0x10, 0x11), (0xfe, 0xff)] {
                    let (mut l, mut r) = (a.to_vec(), a.to_vec());
                    l[at] = x;
                    r[at] = y;
                    // A later byte that orders the other way must not count.
                    if at + 1 < len {
                        l[len - 1] = 0xff;
                        r[len - 1] = 0x00;
                    }
                    assert_eq!(order(&l, &r), l.cmp(&r), "len {len} at {at} {x:#x}/{y:#x}");
                    assert_eq!(order(&r, &l), r.cmp(&l), "len {len} at {at} {y:#x}/{x:#x}");
                }
            }
        }
    }

    #[test]
    fn copies_every_length_between_separate_buffers_at_every_alignment() {
        let src: Vec<u8> = (0..600u32).map(|i| (i * 7 + 3) as u8).collect();
        for len in 0..=530 {
            for offset in 0..16 {
                let mut dest = vec![0xAAu8; 600];
                // SAFETY: both ranges lie inside their vectors.
                unsafe {
                    copy(
                        dest.as_mut_ptr().add(offset),
                        src.as_ptr().add(offset / 2),
                        len,
                    )
                };
                assert_eq!(
                    &dest[offset..offset + len],
                    &src[offset / 2..offset / 2 + len],
                    "len {len} offset {offset}"
                );
                assert!(
                    dest[..offset].iter().all(|&b| b == 0xAA),
                    "before, len {len}"
                );
                assert!(
                    dest[offset + len..].iter().all(|&b| b == 0xAA),
                    "after, len {len}"
                );
            }
        }
    }

    #[test]
    fn moves_every_length_onto_itself_shifted_either_way() {
        let data: Vec<u8> = (0..2000u32).map(|i| (i * 13 + 5) as u8).collect();
        for len in (0..=300).chain([511, 512, 513, 777]) {
            for shift in -70i64..=70 {
                let from = 400usize;
                let to = (400 + shift) as usize;
                let mut buf = data.clone();
                // SAFETY: both ranges lie inside `buf`.
                unsafe { copy(buf.as_mut_ptr().add(to), buf.as_ptr().add(from), len) };
                assert_eq!(
                    buf,
                    expected(&data, from, to, len),
                    "len {len} shift {shift}"
                );
            }
        }
    }
}
