resource "aws_sns_topic" "alarms" {
  name              = "${var.name}-alarms"
  kms_master_key_id = "alias/aws/sns"
}

resource "aws_sns_topic_subscription" "email" {
  count     = var.alarm_email == "" ? 0 : 1
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

# isched logs each transition it acts on with its lag (JSON logs); this makes it a metric.
resource "aws_cloudwatch_log_metric_filter" "transition_lag" {
  name           = "${var.name}-transition-lag"
  log_group_name = aws_cloudwatch_log_group.service.name
  pattern        = "{ $.transition_lag_seconds = * }"
  metric_transformation {
    namespace = "isched/${var.name}"
    name      = "TransitionLagSeconds"
    value     = "$.transition_lag_seconds"
  }
}

resource "aws_cloudwatch_metric_alarm" "scheduler_lag" {
  alarm_name          = "${var.name}-scheduler-lag"
  alarm_description   = "A start or stop was acted on more than two minutes after its scheduled time: the scheduler is behind."
  namespace           = "isched/${var.name}"
  metric_name         = "TransitionLagSeconds"
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 2
  threshold           = 120
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_metric_alarm" "http_5xx" {
  alarm_name          = "${var.name}-5xx-rate"
  alarm_description   = "More than 5% of requests answered with a server error for 15 minutes."
  comparison_operator = "GreaterThanThreshold"
  threshold           = 5
  evaluation_periods  = 3
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
  metric_query {
    id          = "rate"
    label       = "Percent of requests answered 5xx"
    expression  = "100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests"
    return_data = true
  }
  dynamic "metric_query" {
    for_each = { requests = "RequestCount", target5xx = "HTTPCode_Target_5XX_Count", elb5xx = "HTTPCode_ELB_5XX_Count" }
    content {
      id = metric_query.key
      metric {
        namespace   = "AWS/ApplicationELB"
        metric_name = metric_query.value
        stat        = "Sum"
        period      = 300
        dimensions  = { LoadBalancer = aws_lb.this.arn_suffix }
      }
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "no_healthy_replica" {
  alarm_name          = "${var.name}-no-healthy-replica"
  alarm_description   = "No isched replica passes its health check."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "HealthyHostCount"
  dimensions          = { LoadBalancer = aws_lb.this.arn_suffix, TargetGroup = aws_lb_target_group.this.arn_suffix }
  statistic           = "Minimum"
  period              = 60
  evaluation_periods  = 3
  threshold           = 1
  comparison_operator = "LessThanThreshold"
  treat_missing_data  = "breaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}
