/// `/api/openapi.json`: the API's routes, parameters and answers, for clients and tools.
enum OpenAPIDocument {
    static let json = #"""
    {
      "openapi": "3.0.3",
      "info": {"title": "Sediment archive API", "version": "1", "description": "Read-only access to one Sediment archive (sediment serve). With --token, every route but /healthz needs Authorization: Bearer TOKEN or the sediment_token cookie."},
      "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}, "cookie": {"type": "apiKey", "in": "cookie", "name": "sediment_token"}},
        "parameters": {
          "topic": {"name": "topic", "in": "query", "required": true, "schema": {"type": "string"}},
          "instance": {"name": "instance", "in": "query", "required": false, "description": "Default: the only instance holding the topic.", "schema": {"type": "string"}},
          "from": {"name": "from", "in": "query", "description": "Inclusive: ISO-8601, milliseconds since the epoch, or relative (-2h).", "schema": {"type": "string"}},
          "to": {"name": "to", "in": "query", "description": "Exclusive; default now.", "schema": {"type": "string"}}
        },
        "responses": {
          "error": {"description": "What was wrong", "content": {"application/json": {"schema": {"type": "object", "properties": {"error": {"type": "string"}, "parameter": {"type": "string"}}, "required": ["error"]}}}}
        }
      },
      "security": [{"bearer": []}, {"cookie": []}],
      "paths": {
        "/healthz": {"get": {"summary": "The server answers", "security": [], "responses": {"200": {"description": "ok"}}}},
        "/api/topics": {"get": {"summary": "Instances, topics, partitions (positions, counts, sizes, time spans) and windows", "responses": {"200": {"description": "The topics", "content": {"application/json": {"schema": {"type": "array", "items": {"type": "object"}}}}}, "401": {"$ref": "#/components/responses/error"}}}},
        "/api/status": {"get": {"summary": "What sediment status --json prints", "responses": {"200": {"description": "Partitions, windows, upload targets", "content": {"application/json": {"schema": {"type": "object"}}}}, "401": {"$ref": "#/components/responses/error"}}}},
        "/api/windows": {"get": {"summary": "Window files of a topic with their parts, counts, sizes, checksums and upload state per target",
          "parameters": [{"$ref": "#/components/parameters/topic"}, {"$ref": "#/components/parameters/instance"}, {"$ref": "#/components/parameters/from"}, {"$ref": "#/components/parameters/to"}],
          "responses": {"200": {"description": "The windows, by start and part", "content": {"application/json": {"schema": {"type": "array", "items": {"type": "object"}}}}}, "400": {"$ref": "#/components/responses/error"}, "404": {"$ref": "#/components/responses/error"}}}},
        "/api/query": {"get": {"summary": "The messages of a time range, as sediment query prints them, streamed",
          "parameters": [{"$ref": "#/components/parameters/topic"}, {"$ref": "#/components/parameters/instance"}, {"$ref": "#/components/parameters/from"}, {"$ref": "#/components/parameters/to"},
            {"name": "partition", "in": "query", "description": "Repeat for several.", "schema": {"type": "integer"}},
            {"name": "key", "in": "query", "description": "Only messages with this key; repeat for several.", "schema": {"type": "string"}},
            {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["jsonl", "value"], "default": "jsonl"}},
            {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 0}}],
          "responses": {"200": {"description": "One JSON line a message (jsonl), or each value and a newline (value), in time order", "content": {"application/x-ndjson": {}, "application/octet-stream": {}}}, "400": {"$ref": "#/components/responses/error"}, "404": {"$ref": "#/components/responses/error"}}}}
      }
    }
    """#
}
