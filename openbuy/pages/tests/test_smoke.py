def test_home_renders(client, personas):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Public buying" in response.content
