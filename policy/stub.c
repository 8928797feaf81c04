/* Placeholder until the policy engine lands. */
#include "compat.h"
#include "policy.h"
