/* keel: the EN 303 645 security baseline for consumer IoT devices. One include for all. */
#ifndef KEEL_KEEL_H
#define KEEL_KEEL_H

#include "keel/core.h"
#include "keel/catalog.h"
#include "keel/auth.h"
#include "keel/tls.h"
#include "keel/update.h"
#include "keel/integrity.h"
#include "keel/privacy.h"
#include "keel/events.h"

#endif /* KEEL_KEEL_H */
