// zlib (from zlib1g-dev): the compression of damo's default record format, json_compressed.
#pragma once
#include <zlib.h>
