#pragma once
// The alert records moved to the model part so the stores can write the same lines into their
// outbox; this header keeps the poll pipeline's include working.
#include "model/alert_record.h"
