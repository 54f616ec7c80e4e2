/* Security events from the rest of keeld (5.10-1): the guard, the password change, setup,
 * the owner's settings, the update agent and the cloud link all queue theirs through here,
 * so that a lock missing in a unit test and a queue that cannot be written are handled in
 * one place. The event carries its name and source only, never who or from where (6-4). */
#include "keeld.h"

void keeld_security_event(struct keeld_lock *l, const char *name, keeld_lock_source src)
{
    keel_err ret;

    if (l == NULL || name == NULL)
        return;
    ret = keeld_lock_security(l, name, src);
    if (ret != KEEL_OK)
        keel_log(KEEL_LOG_ERROR, "event=%s unqueued: %s", name, keel_strerror(ret));
}
