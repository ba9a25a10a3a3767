"""The API's JSON parser: DRF's, with its errors in Chinese and saying where, and a body nested
too deeply for the decoder refused as bad input (it raised ``RecursionError``: a 500)."""

from __future__ import annotations

import json

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("请求体的 JSON 嵌套层数过多") from None
        except ParseError as exc:
            cause = exc.__context__
            if isinstance(cause, json.JSONDecodeError):
                raise ParseError(f"请求体不是有效的 JSON：第 {cause.lineno} 行第 {cause.colno} 列（{cause.msg}）") from None
            raise
