/* manual: a channel kanal does not post to. At the time, the publication
 * waits for a person ("publish by hand now"), who posts it and records the
 * URL (mark-published). Every slot is empty: no network call is made. */
#include "net/connector.h"

const struct connector conn_manual = {
	.network = "manual",
};
