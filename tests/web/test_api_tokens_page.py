"""People create API tokens (the secret is shown once) and revoke them."""

from trustledger.accounts.models import ApiToken
from trustledger.accounts.tokens import authenticate_token


def test_a_person_creates_a_token_sees_the_secret_once_and_revokes_it(client, org):
    client.force_login(org["ben_user"])
    response = client.post("/me/tokens/", {"name": "laptop script", "scopes": ["read"]})
    page = response.content.decode()
    assert response["Cache-Control"] == "no-store"
    secret = page.split('class="secret-value" type="text" readonly value="')[1].split('"')[0]
    assert secret.startswith("tl_")
    assert "shown only this once" in page
    assert authenticate_token(secret) is not None

    listing = client.get("/me/tokens/").content.decode()
    assert "laptop script" in listing
    assert secret not in listing

    token = ApiToken.objects.get(name="laptop script")
    revoked = client.post(f"/me/tokens/{token.pk}/revoke/", follow=True)
    assert "is revoked" in revoked.content.decode()
    assert authenticate_token(secret) is None


def test_a_token_needs_a_name_and_a_scope(client, org):
    client.force_login(org["ben_user"])
    page = client.post("/me/tokens/", {"name": "", "scopes": []}).content.decode()
    assert "This field is required" in page
    assert not ApiToken.objects.exists()


def test_nobody_revokes_someone_elses_token_from_the_page(client, org):
    client.force_login(org["ana_user"])
    client.post("/me/tokens/", {"name": "ana", "scopes": ["read"]})
    token = ApiToken.objects.get(name="ana")
    client.force_login(org["ben_user"])
    assert client.post(f"/me/tokens/{token.pk}/revoke/").status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None
