"""The acknowledgement-word matcher: what counts as 收到 and what does not."""

import pytest

from handlers.ack import is_ack


@pytest.mark.parametrize(
    "text",
    [
        "收到",
        "收到！",
        "收到老师",
        "收到老师！！",
        "收到了",
        "收到，谢谢老师",
        "已阅",
        "已读。",
        "好的",
        "好的👌",
        "好的老师🙏🏻",
        "明白",
        "明白～",
        "1",
        "１",
        "1！",
        "OK",
        "ok",
        "Ｏｋ",
        "OK~",
        "好的收到",
        "收到[强]",
        "  收到  ",
        "收到，马上填",
        "老师，收到",
    ],
)
def test_acknowledgements(text):
    assert is_ack(text)


@pytest.mark.parametrize(
    "text",
    [
        "1班的同学请注意",
        "1班",
        "12",
        "1，2，3",
        "10点前交",
        "收",
        "没收到",
        "还没收到通知？",
        "收到，请问怎么填？",
        "好的，那我们班的同学什么时候开始填报呢",
        "okay",
        "张三 36.5 正常",
        "老师",
        "",
    ],
)
def test_not_acknowledgements(text):
    assert not is_ack(text)
