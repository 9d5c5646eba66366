# Seals isched's token signing keys in its database (ISCHED_SECRET_KEY). Generated once and
# kept in Secrets Manager; rotating it means setting ISCHED_SECRET_KEY_PREVIOUS as well
# (docs/configuration.md), which an automatic rotation would not, so it has none. The value
# is in the Terraform state (marked sensitive), like every generated secret: keep the state
# encrypted.
resource "random_password" "secret_key" {
  length  = 48
  special = false
}

resource "aws_secretsmanager_secret" "secret_key" {
  #checkov:skip=CKV_AWS_149:Encrypted with the AWS-managed Secrets Manager key; only the execution role reads it, and a customer key adds a key policy to keep.
  #checkov:skip=CKV2_AWS_57:Rotating the secret key needs the previous one set beside it (ISCHED_SECRET_KEY_PREVIOUS); an automatic rotation would lock isched out of its signing keys.
  name_prefix             = "${var.name}-secret-key-"
  description             = "Seals the token signing keys of isched (${var.name}) in its database"
  recovery_window_in_days = 7
}

resource "aws_secretsmanager_secret_version" "secret_key" {
  secret_id     = aws_secretsmanager_secret.secret_key.id
  secret_string = random_password.secret_key.result
}
