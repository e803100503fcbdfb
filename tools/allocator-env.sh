# glibc allocator settings for libtorch, sourced by lt, bench/lt-bench and the benchmarks'
# references (docs/PERFORMANCE.md, "The allocator"). Set any variable yourself to override it, or
# LT_MALLOC_TUNING=off to keep glibc's defaults. glibc reads them when a process starts.
#
# - MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_, MALLOC_TOP_PAD_: libtorch allocates and frees
#   activation-sized blocks at every operator; glibc's defaults return such blocks to the kernel and
#   fault fresh pages in on the next step. These keep blocks up to 32 MiB (glibc's ceiling) in the heap.
# - GLIBC_TUNABLES=glibc.malloc.hugetlb=1 (glibc >= 2.35): larger blocks are always mapped afresh;
#   this asks for transparent huge pages for them (madvise), so that touching a 100 MB activation
#   faults 50 pages of 2 MiB instead of 25,000 of 4 KiB. ImageNet-size activations are that large.
#   It needs the kernel's transparent huge pages in "madvise" or "always" mode
#   (/sys/kernel/mm/transparent_hugepage/enabled); elsewhere it changes nothing.
if [ "${LT_MALLOC_TUNING:-on}" != off ]; then
  export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-33554432}"
  export MALLOC_TRIM_THRESHOLD_="${MALLOC_TRIM_THRESHOLD_:-68719476736}"
  export MALLOC_TOP_PAD_="${MALLOC_TOP_PAD_:-268435456}"
  case ":${GLIBC_TUNABLES:-}:" in
    *:glibc.malloc.hugetlb=*) ;;
    *) export GLIBC_TUNABLES="${GLIBC_TUNABLES:+$GLIBC_TUNABLES:}glibc.malloc.hugetlb=1" ;;
  esac
fi
