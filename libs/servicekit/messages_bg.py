"""Bulgarian wording of validation errors shown to clerks and citizens."""

_BY_TYPE = {
    "missing": "Полето е задължително.",
    "string_too_short": "Стойността е твърде кратка.",
    "string_too_long": "Стойността е твърде дълга (най-много {max_length} знака).",
    "enum": "Непозволена стойност; позволени са: {expected}.",
    "literal_error": "Непозволена стойност; позволени са: {expected}.",
    "int_parsing": "Очаква се цяло число.",
    "int_type": "Очаква се цяло число.",
    "greater_than": "Стойността трябва да е по-голяма от {gt}.",
    "greater_than_equal": "Стойността трябва да е поне {ge}.",
    "less_than_equal": "Стойността трябва да е най-много {le}.",
    "string_pattern_mismatch": "Стойността не е в очаквания формат.",
    "date_from_datetime_parsing": "Очаква се дата във формат ГГГГ-ММ-ДД.",
    "date_parsing": "Очаква се дата във формат ГГГГ-ММ-ДД.",
    "extra_forbidden": "Непознато поле.",
    "json_invalid": "Невалиден JSON.",
    "model_type": "Очаква се обект.",
    "string_type": "Очаква се текст.",
    "bool_parsing": "Очаква се да/не (true/false).",
}


def translate(err: dict) -> str:
    if err["type"] == "value_error":
        return str(err.get("ctx", {}).get("error", err["msg"]))
    template = _BY_TYPE.get(err["type"])
    if template is None:
        return f"Невалидна стойност ({err['msg']})."
    try:
        return template.format(**err.get("ctx", {}))
    except (KeyError, IndexError):
        return template
