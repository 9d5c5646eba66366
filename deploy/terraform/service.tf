# ECS on Fargate behind an HTTPS load balancer (HTTP only redirects).

resource "aws_security_group" "load_balancer" {
  #checkov:skip=CKV_AWS_260:Port 80 only answers with a redirect to HTTPS; nothing is served over plain HTTP.
  name        = "${var.name}-load-balancer"
  description = "isched load balancer - HTTPS and HTTP (redirected) from anywhere"
  vpc_id      = local.vpc_id
  ingress {
    description = "HTTPS"
    protocol    = "tcp"
    from_port   = 443
    to_port     = 443
    cidr_blocks = ["0.0.0.0/0"]
  }
  ingress {
    description = "HTTP, redirected to HTTPS"
    protocol    = "tcp"
    from_port   = 80
    to_port     = 80
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group" "service" {
  name        = "${var.name}-service"
  description = "isched tasks - port 8080 from the load balancer only"
  vpc_id      = local.vpc_id
  egress {
    description = "AWS APIs, OIDC keys and webhooks"
    protocol    = "tcp"
    from_port   = 443
    to_port     = 443
    cidr_blocks = ["0.0.0.0/0"]
  }
  egress {
    description = "SMTP submission for notices"
    protocol    = "tcp"
    from_port   = 587
    to_port     = 587
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group" "database" {
  name        = "${var.name}-database"
  description = "isched database - Postgres from the isched tasks only"
  vpc_id      = local.vpc_id
}

resource "aws_vpc_security_group_egress_rule" "load_balancer_to_service" {
  description                  = "To the isched tasks"
  security_group_id            = aws_security_group.load_balancer.id
  referenced_security_group_id = aws_security_group.service.id
  ip_protocol                  = "tcp"
  from_port                    = 8080
  to_port                      = 8080
}

resource "aws_vpc_security_group_ingress_rule" "service_from_load_balancer" {
  description                  = "From the load balancer"
  security_group_id            = aws_security_group.service.id
  referenced_security_group_id = aws_security_group.load_balancer.id
  ip_protocol                  = "tcp"
  from_port                    = 8080
  to_port                      = 8080
}

resource "aws_vpc_security_group_egress_rule" "service_to_database" {
  description                  = "To the database"
  security_group_id            = aws_security_group.service.id
  referenced_security_group_id = aws_security_group.database.id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
}

resource "aws_vpc_security_group_ingress_rule" "database_from_service" {
  description                  = "From the isched tasks"
  security_group_id            = aws_security_group.database.id
  referenced_security_group_id = aws_security_group.service.id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
}

resource "aws_lb" "this" {
  #checkov:skip=CKV_AWS_91:Access logs need a bucket this module does not own; the API Gateway stage and isched's request logs record every request.
  #checkov:skip=CKV2_AWS_28:A WAF is the operator's choice and cost; isched rate-limits sign-in itself.
  name                       = var.name
  load_balancer_type         = "application"
  internal                   = false
  subnets                    = local.public_subnet_ids
  security_groups            = [aws_security_group.load_balancer.id]
  drop_invalid_header_fields = true
  enable_deletion_protection = true
}

resource "aws_lb_target_group" "this" {
  name                 = var.name
  vpc_id               = local.vpc_id
  target_type          = "ip"
  protocol             = "HTTP"
  port                 = 8080
  deregistration_delay = 30
  health_check {
    path                = "/health"
    interval            = 15
    healthy_threshold   = 2
    unhealthy_threshold = 3
    matcher             = "200"
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.this.arn
  protocol          = "HTTP"
  port              = 80
  default_action {
    type = "redirect"
    redirect {
      protocol    = "HTTPS"
      port        = "443"
      status_code = "HTTP_301"
    }
  }
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.this.arn
  protocol          = "HTTPS"
  port              = 443
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.certificate_arn
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this.arn
  }
}

resource "aws_cloudwatch_log_group" "service" {
  #checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts every log group at rest; a customer-managed key adds a key policy to keep and no protection against readers with logs:GetLogEvents.
  #checkov:skip=CKV_AWS_338:Retention is the operator's choice (log_retention_days).
  name              = "/isched/${var.name}"
  retention_in_days = var.log_retention_days
}

resource "aws_ecs_cluster" "this" {
  name = var.name
  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

locals {
  external_issuers = jsonencode([{
    issuer       = var.cognito_issuer_url
    jwks_url     = "${var.cognito_issuer_url}/.well-known/jwks.json"
    audiences    = [var.cognito_app_client_id]
    token_use    = "access"
    groups_claim = "cognito:groups"
    roles        = { (var.cognito_admin_group) = "admin" }
  }])
  environment = concat([
    { name = "ISCHED_LISTEN", value = "0.0.0.0:8080" },
    { name = "ISCHED_DATABASE_URL", value = "postgres://isched@${aws_db_instance.this.address}:${aws_db_instance.this.port}/isched?sslmode=require" },
    { name = "ISCHED_PUBLIC_URL", value = "https://${var.domain_name}" },
    { name = "ISCHED_CORS_ALLOWED_ORIGINS", value = "https://${var.domain_name}" },
    { name = "ISCHED_TRUSTED_PROXIES", value = var.create_network ? var.vpc_cidr : join(",", var.trusted_proxies) },
    { name = "ISCHED_PROVIDER", value = "aws" },
    { name = "ISCHED_AWS_REGIONS", value = data.aws_region.current.name },
    { name = "ISCHED_SCHEDULE_TAG", value = var.schedule_tag_key },
    { name = "ISCHED_ADMIN_EMAIL", value = var.admin_email },
    { name = "ISCHED_LOG_FORMAT", value = "json" },
    { name = "ISCHED_EXTERNAL_ISSUERS", value = local.external_issuers },
    ], length(var.spoke_role_arns) == 0 ? [] : [
    { name = "ISCHED_AWS_ACCOUNTS", value = join(";", var.spoke_role_arns) },
  ])
}

resource "aws_ecs_task_definition" "this" {
  family                   = var.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.task_cpu
  memory                   = var.task_memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn
  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }
  container_definitions = jsonencode([{
    name                   = "isched"
    image                  = var.image_uri
    essential              = true
    user                   = "65532:65532"
    readonlyRootFilesystem = true
    portMappings           = [{ containerPort = 8080, protocol = "tcp" }]
    environment            = local.environment
    secrets = [
      {
        name      = "ISCHED_DATABASE_PASSWORD"
        valueFrom = "${aws_db_instance.this.master_user_secret[0].secret_arn}:password::"
      },
      {
        name      = "ISCHED_SECRET_KEY"
        valueFrom = aws_secretsmanager_secret.secret_key.arn
      },
    ]
    healthCheck = {
      command     = ["/usr/local/bin/isched", "health"]
      interval    = 15
      timeout     = 5
      retries     = 3
      startPeriod = 30
    }
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.service.name
        awslogs-region        = data.aws_region.current.name
        awslogs-stream-prefix = "isched"
      }
    }
  }])
}

resource "aws_ecs_service" "this" {
  name                              = var.name
  cluster                           = aws_ecs_cluster.this.id
  launch_type                       = "FARGATE"
  task_definition                   = aws_ecs_task_definition.this.arn
  desired_count                     = var.desired_count
  health_check_grace_period_seconds = 60
  propagate_tags                    = "SERVICE"
  deployment_minimum_healthy_percent = 50
  deployment_maximum_percent         = 200
  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }
  network_configuration {
    assign_public_ip = false
    subnets          = local.private_subnet_ids
    security_groups  = [aws_security_group.service.id]
  }
  load_balancer {
    container_name   = "isched"
    container_port   = 8080
    target_group_arn = aws_lb_target_group.this.arn
  }
  depends_on = [aws_lb_listener.https]
}
