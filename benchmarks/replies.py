"""A mixed English/Chinese corpus of check-in replies, for the parser benchmark and a sanity test."""

CORPUS = [
    "revenue 45k, 2 new clients, complaints 0.8%",
    "销售额4.5万，新客户2个，投诉率0.8%",
    "revenue 61k, 4 new clients, complaints 0.9%, waiting on leads from marketing since last Tuesday",
    "营收3.8万，新客户1个",
    "52000, 2, 1.1",
    "same as last week",
    "actually revenue was 50k",
    "sales 6k, new clients 1",
    "卡在法务审批，等到下周三",
    "销售额5万，新客户3个，投诉率1.2%，缺人手",
    "revenue 1.2m, new clients 两个",
    "I'm off until 12 Dec",
    "下周请假",
    "1,200",
    "complaints 1.5% and revenue 38k",
    "revenue 9k, 3 new clients, complaints 1.3%, blocked by approval until Friday",
    "新客户两个，销售额3.5万",
    "2",
    "thanks!",
    "stuck on the contract review",
]
