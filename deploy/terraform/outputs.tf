output "url" {
  description = "The web UI and API."
  value       = "https://${var.domain_name}"
}

output "load_balancer_dns_name" {
  description = "Point domain_name's DNS record (CNAME or alias) here."
  value       = aws_lb.this.dns_name
}

output "api_endpoint" {
  description = "The API Gateway endpoint for clients with Cognito access tokens (paths under /api/)."
  value       = aws_apigatewayv2_api.this.api_endpoint
}

output "log_group_name" {
  value = aws_cloudwatch_log_group.service.name
}

output "alarm_topic_arn" {
  value = aws_sns_topic.alarms.arn
}

output "database_secret_arn" {
  description = "The database password, kept and rotated by RDS."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}

output "task_role_arn" {
  description = "Give this to spoke-role.yml as HubRoleArn in each other account."
  value       = aws_iam_role.task.arn
}

output "vpc_id" {
  value = local.vpc_id
}
