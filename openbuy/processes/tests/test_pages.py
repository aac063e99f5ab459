import re
from openbuy.processes import services


def test_a_tender_from_question_to_opening_through_the_pages(
    client, personas, tender, submit, rival, clock
):
    p = tender
    for url in [
        "/processes/",
        f"/processes/{p.pk}/",
        f"/processes/{p.pk}/questions/",
        "/processes/receipts/",
        "/processes/feed/",
        f"/processes/{p.pk}/submissions/",
    ]:
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)
    client.force_login(personas["supplier"])
    r = client.post(f"/processes/{p.pk}/questions/", {"question": "Is it ok?"})
    assert r.status_code == 302, r.content.decode()[:3000]
    r = client.get(f"/processes/{p.pk}/submission/")
    assert r.status_code == 200
    names = re.findall(r'name="(answer_\d+)"', r.content.decode())
    data = {n: "Answer MARK" for n in names} | {"price": "500", "action": "submit"}
    r = client.post(f"/processes/{p.pk}/submission/", data)
    assert r.status_code == 302, r.content.decode()
    r = client.get(r.url)
    assert "Receipt" in r.content.decode()
    client.force_login(personas["buyer"])
    for url in [
        f"/processes/{p.pk}/",
        f"/processes/{p.pk}/questions/",
        f"/processes/{p.pk}/criteria/",
        f"/processes/{p.pk}/extend/",
        f"/processes/{p.pk}/decide/cancel/",
        f"/processes/{p.pk}/open/",
    ]:
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)
    from openbuy.processes.models import Question

    services.question_answer(actor=personas["buyer"], question=Question.objects.get(), answer="Yes")
    clock.shift(22 * 86400)
    client.force_login(personas["buyer"])
    r = client.post(f"/processes/{p.pk}/open/")
    assert r.status_code == 302, r.content.decode()[:2000]
    r = client.get(f"/processes/{p.pk}/submissions/")
    assert "Patel" in r.content.decode()
