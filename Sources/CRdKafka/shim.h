#ifndef SEDIMENT_CRDKAFKA_SHIM_H
#define SEDIMENT_CRDKAFKA_SHIM_H
// rdkafka_mock.h refuses to compile unless rdkafka.h comes first.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#endif
