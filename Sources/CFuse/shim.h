// libfuse 3's high-level API (from libfuse3-dev). fuse_new is a macro over a versioned symbol,
// which Swift cannot call, so it is wrapped here.
#pragma once
#define FUSE_USE_VERSION 31
#include <fuse.h>

static inline struct fuse *swamon_fuse_new(struct fuse_args *args, const struct fuse_operations *operations, void *data) {
    return fuse_new(args, operations, sizeof(*operations), data);
}

static inline void swamon_fuse_direct_io(struct fuse_file_info *info) {
    info->direct_io = 1;
    info->nonseekable = 0;
}
