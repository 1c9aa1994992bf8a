// libedit's readline interface (Debian's libedit-dev): line editing and history for swamonctl's prompt.
#include <stdio.h>
#include <editline/readline.h>
