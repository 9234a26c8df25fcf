def test_challenge_list_shows_published_only(client, make_challenge):
    make_challenge(title="Synlig utmaning")
    make_challenge(title="Hemligt utkast", status="draft")
    response = client.get("/utmaningar/")
    assert response.status_code == 200
    assert "Synlig utmaning" in response.text
    assert "Hemligt utkast" not in response.text
