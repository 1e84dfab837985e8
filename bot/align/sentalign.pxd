# Cython declarations for sentalign.py, read when hatch_build.py compiles it (the .py itself is compiled as it is
# and runs unchanged as Python). _Beads as an extension type: the DP reads its attributes for every candidate bead,
# and as struct fields they are read without the type and dictionary lookups of a Python instance.

cdef class _Beads:
    cdef public object params, sentences, src_pre, tgt_pre, src_anchor, tgt_anchor, src_keys, tgt_keys
    cdef public object _src_span, _tgt_span, _src_omission, _tgt_omission
    cdef public object src_known, tgt_known, few_known, src_hits, tgt_hits
    cdef public object expansion, variance, length_cap, split_end, min_extra, n_src, n_tgt, any_anchor, words
