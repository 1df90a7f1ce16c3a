export type Json =
  | string
  | number
  | boolean
  | null
  | { [key: string]: Json | undefined }
  | Json[]

export type Database = {
  private: {
    Tables: {
      metrics_read_usage: {
        Row: {
          budget_key: string
          reads: number
          window_start: string
        }
        Insert: {
          budget_key: string
          reads?: number
          window_start: string
        }
        Update: {
          budget_key?: string
          reads?: number
          window_start?: string
        }
        Relationships: []
      }
      oauth_states: {
        Row: {
          client_id: string
          code_verifier: string
          created_at: string
          expires_at: string
          kind: string
          name: string | null
          platform_id: string | null
          publish_config: NonNullable<Json>
          state_hash: string
          user_id: string
        }
        Insert: {
          client_id: string
          code_verifier: string
          created_at?: string
          expires_at: string
          kind: string
          name?: string | null
          platform_id?: string | null
          publish_config?: NonNullable<Json>
          state_hash: string
          user_id: string
        }
        Update: {
          client_id?: string
          code_verifier?: string
          created_at?: string
          expires_at?: string
          kind?: string
          name?: string | null
          platform_id?: string | null
          publish_config?: NonNullable<Json>
          state_hash?: string
          user_id?: string
        }
        Relationships: []
      }
      platform_secrets: {
        Row: {
          bound_at: string
          platform_id: string
          secret_id: string
        }
        Insert: {
          bound_at?: string
          platform_id: string
          secret_id: string
        }
        Update: {
          bound_at?: string
          platform_id?: string
          secret_id?: string
        }
        Relationships: []
      }
      publish_runs: {
        Row: {
          created_at: string
          expires_at: string
          generation: number
          id: string
          pg_net_request_id: number | null
          started_at: string | null
          woken_by: string | null
        }
        Insert: {
          created_at?: string
          expires_at: string
          generation: number
          id?: string
          pg_net_request_id?: number | null
          started_at?: string | null
          woken_by?: string | null
        }
        Update: {
          created_at?: string
          expires_at?: string
          generation?: number
          id?: string
          pg_net_request_id?: number | null
          started_at?: string | null
          woken_by?: string | null
        }
        Relationships: []
      }
      publisher_wake: {
        Row: {
          client_id: string
          woken_at: string
        }
        Insert: {
          client_id: string
          woken_at: string
        }
        Update: {
          client_id?: string
          woken_at?: string
        }
        Relationships: []
      }
      publishing_calendar_rollup_pending: {
        Row: {
          date: string
          platform_id: string
          timezone: string
          xid: unknown
        }
        Insert: {
          date: string
          platform_id: string
          timezone: string
          xid?: unknown
        }
        Update: {
          date?: string
          platform_id?: string
          timezone?: string
          xid?: unknown
        }
        Relationships: []
      }
      report_windows: {
        Row: {
          length: string
          report: string
          since: string
        }
        Insert: {
          length: string
          report: string
          since?: string
        }
        Update: {
          length?: string
          report?: string
          since?: string
        }
        Relationships: []
      }
      retention_state: {
        Row: {
          done_through: string
          target: string
        }
        Insert: {
          done_through: string
          target: string
        }
        Update: {
          done_through?: string
          target?: string
        }
        Relationships: []
      }
    }
    Views: {
      [_ in never]: never
    }
    Functions: {
      ab_decision_p_value: {
        Args: {
          m1: number
          m2: number
          n1: number
          n2: number
          spread: number
          ss1: number
          ss2: number
          x1: number
          x2: number
        }
        Returns: number
      }
      advance_report_windows: {
        Args: Record<PropertyKey, never>
        Returns: boolean
      }
      apply_conversion_rollup_delta: {
        Args: {
          p_new: Database["private"]["CompositeTypes"]["conversion_rollup_row"][]
          p_old: Database["private"]["CompositeTypes"]["conversion_rollup_row"][]
        }
        Returns: undefined
      }
      apply_pattern_lift_delta: {
        Args: {
          p_new: Database["private"]["CompositeTypes"]["pattern_lift_row"][]
          p_old: Database["private"]["CompositeTypes"]["pattern_lift_row"][]
        }
        Returns: undefined
      }
      apply_platform_webhook: {
        Args: { p_events: Json; p_platform_id: string }
        Returns: Json
      }
      apply_publishing_calendar_rollups: {
        Args: Record<PropertyKey, never>
        Returns: undefined
      }
      apply_report_window_delta: {
        Args: {
          p_best_time_since: string
          p_new: Database["private"]["CompositeTypes"]["report_window_row"][]
          p_old: Database["private"]["CompositeTypes"]["report_window_row"][]
          p_performance_since: string
        }
        Returns: undefined
      }
      approval_required: {
        Args: {
          p_client_id: string
          p_content_type: string
          p_platform_id: string
        }
        Returns: boolean
      }
      begin_publish_run: {
        Args: { p_generation: number; p_lease_seconds: number; p_slot: string }
        Returns: string
      }
      charge_metrics_reads: {
        Args: {
          p_client_id: string
          p_kind: string
          p_platform_id: string
          p_reads: number
          p_scope: string
          p_window: string
        }
        Returns: undefined
      }
      claim_audience_activity_due: {
        Args: { p_limit?: number }
        Returns: {
          client_id: string
          platform_id: string
          platform_kind: string
        }[]
      }
      claim_distribution_requests: {
        Args: { p_limit: number }
        Returns: Database["public"]["Tables"]["distribution_requests"]["Row"][]
        SetofOptions: {
          from: "*"
          to: "distribution_requests"
          isOneToOne: false
          isSetofReturn: true
        }
      }
      claim_due_distributions: {
        Args: { p_lease_seconds: number; p_limit: number }
        Returns: Database["private"]["CompositeTypes"]["claimed_distribution"][]
        SetofOptions: {
          from: "*"
          to: "claimed_distribution"
          isOneToOne: false
          isSetofReturn: true
        }
      }
      claim_idempotency_key: {
        Args: {
          p_endpoint: string
          p_key: string
          p_request_hash: string
          p_user_id: string
          p_wait?: string
        }
        Returns: Json
      }
      claim_metrics_due: {
        Args: {
          p_lease_seconds?: number
          p_limit?: number
          p_per_platform?: number
        }
        Returns: {
          client_id: string
          distribution_id: string
          external_id: string
          last_synced_at: string
          lease_until: string
          platform_id: string
          platform_kind: string
          published_at: string
        }[]
      }
      claim_native_handoffs: {
        Args: { p_lease_seconds: number; p_limit: number }
        Returns: Database["private"]["CompositeTypes"]["claimed_distribution"][]
        SetofOptions: {
          from: "*"
          to: "claimed_distribution"
          isOneToOne: false
          isSetofReturn: true
        }
      }
      claim_platform_cancellations: {
        Args: { p_lease_seconds?: number; p_limit: number }
        Returns: {
          attempts: number
          content: Json
          external_id: string
          id: string
          platform_id: string
          reason: string
        }[]
      }
      claim_webhook_deliveries: {
        Args: { p_lease_seconds?: number; p_limit: number }
        Returns: {
          attempts: number
          event: string
          id: string
          payload: Json
          secret: string
          url: string
        }[]
      }
      compute_ab_test_results: {
        Args: { p_client_ids: string[]; p_variant_groups: string[] }
        Returns: Database["public"]["Tables"]["ab_test_result_rollups"]["Row"][]
        SetofOptions: {
          from: "*"
          to: "ab_test_result_rollups"
          isOneToOne: false
          isSetofReturn: true
        }
      }
      conclude_ab_tests: {
        Args: {
          p_alpha?: number
          p_max_days?: number
          p_min_base?: number
          p_post_spread?: number
        }
        Returns: {
          client_id: string
          p_value: number
          result: string
          status: string
          variant_group: string
          winner_variant: string
        }[]
      }
      config_boolean: {
        Args: { p_config: Json; p_default: boolean; p_key: string }
        Returns: boolean
      }
      config_integer: {
        Args: {
          p_config: Json
          p_default: number
          p_key: string
          p_max: number
          p_min: number
        }
        Returns: number
      }
      config_number: {
        Args: {
          p_config: Json
          p_default: number
          p_key: string
          p_max: number
          p_min: number
        }
        Returns: number
      }
      cron_job_failures: {
        Args: { p_since?: string }
        Returns: {
          command: string
          end_time: string
          jobid: number
          jobname: string
          return_message: string
          runid: number
          start_time: string
          status: string
        }[]
      }
      cross_post_group_status: {
        Args: {
          p_ended: number
          p_in_flight: number
          p_published: number
          p_total: number
        }
        Returns: string
      }
      defer_publishing_calendar_rollups: {
        Args: Record<PropertyKey, never>
        Returns: undefined
      }
      distribution_status_allowed: {
        Args: { p_from: string; p_to: string }
        Returns: boolean
      }
      distribution_webhook_payload: {
        Args: { p_event: string; p_row: Json }
        Returns: Json
      }
      downsample_metrics: {
        Args: {
          p_keep_all: string
          p_keep_daily: string
          p_limit: number
          p_max_batches: number
        }
        Returns: number
      }
      end_publish_run: { Args: { p_slot: string }; Returns: undefined }
      engagement_inputs: {
        Args: {
          p_comments: number
          p_engagements: number
          p_impressions: number
          p_kind: string
          p_likes: number
          p_platform_metrics: Json
          p_reach: number
          p_saves: number
          p_shares: number
          p_video_views: number
        }
        Returns: Record<string, unknown>
      }
      extend_publish_leases: {
        Args: { p_claims: Json; p_lease_seconds: number }
        Returns: string[]
      }
      finish_distribution_request: {
        Args: {
          p_error: string
          p_id: string
          p_result: Json
          p_status: string
        }
        Returns: undefined
      }
      finish_idempotency_key: {
        Args: {
          p_body: string
          p_endpoint: string
          p_key: string
          p_status: number
          p_user_id: string
        }
        Returns: undefined
      }
      has_client_role: {
        Args: { p_client_id: string; p_roles: string[] }
        Returns: boolean
      }
      invoke_edge_function: {
        Args: {
          p_body?: Json
          p_name: string
          p_strict?: boolean
          p_timeout_ms?: number
        }
        Returns: number
      }
      is_client_member: { Args: { p_client_id: string }; Returns: boolean }
      is_valid_timezone: { Args: { tz: string }; Returns: boolean }
      json_fields_problem: {
        Args: {
          p_path: string
          p_required?: string[]
          p_spec: Json
          p_value: Json
        }
        Returns: string
      }
      json_key_label: {
        Args: { p_key: string; p_path: string }
        Returns: string
      }
      json_object_problem: {
        Args: { p_path: string; p_value: Json }
        Returns: string
      }
      json_value_problem: {
        Args: {
          p_max?: number
          p_min?: number
          p_path: string
          p_type: string
          p_value: Json
          p_values?: string[]
        }
        Returns: string
      }
      lapsed_attempt_counts: {
        Args: { p_ids: string[] }
        Returns: {
          distribution_id: string
          lapses: number
        }[]
      }
      lock_platform_credentials: {
        Args: { p_platform_id: string }
        Returns: string
      }
      lock_platforms: { Args: { p_ids: string[] }; Returns: undefined }
      lock_publishing_calendar_buckets: {
        Args: { p_platform_ids: string[] }
        Returns: undefined
      }
      member_client_ids: { Args: { p_roles?: string[] }; Returns: string[] }
      metric_count: { Args: { p: Json }; Returns: number }
      metrics_budget_key: {
        Args: { p_kind: string; p_platform_id: string; p_scope: string }
        Returns: string
      }
      metrics_client_shares: {
        Args: { p_kind: string; p_max_reads: number; p_window: string }
        Returns: Json
      }
      metrics_next_sync_at: {
        Args: {
          p_client_id: string
          p_last_synced_at: string
          p_platform_id: string
          p_published_at: string
        }
        Returns: string
      }
      metrics_sync_interval: {
        Args: { p_age: string; p_client_id: string; p_platform_id: string }
        Returns: string
      }
      next_metrics_due: { Args: Record<PropertyKey, never>; Returns: string }
      next_publish_due: { Args: Record<PropertyKey, never>; Returns: string }
      prune_batch: {
        Args: { p_keep_for: string; p_limit: number; p_target: string }
        Returns: number
      }
      prune_history: { Args: Record<PropertyKey, never>; Returns: Json }
      publish_backlog: {
        Args: { p_limit: number; p_within_ms: number }
        Returns: number
      }
      publish_budget: { Args: { p_platform_id: string }; Returns: number }
      publish_config_problem: {
        Args: { p_config: Json; p_kind?: string }
        Returns: string
      }
      publish_limits_problem: { Args: { p_limits: Json }; Returns: string }
      published_window_rows: {
        Args: { p_after: string; p_until: string }
        Returns: Database["private"]["CompositeTypes"]["report_window_row"][]
      }
      publishing_calendar_deferral_depth: {
        Args: Record<PropertyKey, never>
        Returns: number
      }
      rebuild_ab_test_results: {
        Args: Record<PropertyKey, never>
        Returns: undefined
      }
      rebuild_content_performance_rollups: {
        Args: Record<PropertyKey, never>
        Returns: undefined
      }
      rebuild_conversion_rollups: {
        Args: { p_platform_id?: string }
        Returns: undefined
      }
      rebuild_cross_post_group_rollups: {
        Args: Record<PropertyKey, never>
        Returns: undefined
      }
      rebuild_pattern_lift_rollups: {
        Args: Record<PropertyKey, never>
        Returns: undefined
      }
      rebuild_publishing_calendar_rollups: {
        Args: Record<PropertyKey, never>
        Returns: undefined
      }
      rebuild_report_window_rollups: {
        Args: { p_at?: string }
        Returns: undefined
      }
      recompute_content_performance: {
        Args: { p_content_ids: string[] }
        Returns: undefined
      }
      recompute_cross_post_groups: {
        Args: { p_group_ids: string[] }
        Returns: undefined
      }
      recompute_publishing_calendar_days: {
        Args: {
          p_dates: string[]
          p_platform_ids: string[]
          p_timezones: string[]
        }
        Returns: undefined
      }
      record_audience_activity: {
        Args: {
          p_days: number
          p_error: string
          p_hours: number[]
          p_platform_id: string
        }
        Returns: undefined
      }
      record_metrics: { Args: { p_batch: Json }; Returns: Json }
      record_platform_cancellations: {
        Args: { p_results: Json }
        Returns: undefined
      }
      record_publish_outcomes: { Args: { p_outcomes: Json }; Returns: string[] }
      record_webhook_deliveries: {
        Args: { p_max_attempts?: number; p_results: Json }
        Returns: undefined
      }
      refresh_ab_test_results: {
        Args: { p_client_ids: string[]; p_variant_groups: string[] }
        Returns: undefined
      }
      refresh_api_error_counts: {
        Args: Record<PropertyKey, never>
        Returns: undefined
      }
      refresh_cross_post_groups: {
        Args: { p_group_ids: string[] }
        Returns: undefined
      }
      release_calendar_slots: {
        Args: { p_distribution_id: string; p_keep?: string }
        Returns: undefined
      }
      report_window_since: { Args: { p_report: string }; Returns: string }
      save_platform_credentials: {
        Args: { p_credentials: Json; p_platform_id: string }
        Returns: undefined
      }
      take_calendar_slot: {
        Args: {
          p_at: string
          p_client_id: string
          p_distribution_id: string
          p_platform_id: string
          p_tz: string
        }
        Returns: string
      }
      timing_slots: { Args: { p_template: string }; Returns: Json }
      uuid_v7: { Args: Record<PropertyKey, never>; Returns: string }
      wake_publish_runs: {
        Args: {
          p_body: Json
          p_max_runs: number
          p_slot: string
          p_timeout_ms: number
          p_wanted: number
        }
        Returns: {
          request_id: number
          slot: string
        }[]
      }
      wake_webhook_delivery: {
        Args: Record<PropertyKey, never>
        Returns: undefined
      }
    }
    Enums: {
      [_ in never]: never
    }
    CompositeTypes: {
      claimed_distribution: {
        id: string | null
        attempt_id: string | null
        mode: string | null
        platform_id: string | null
        client_id: string | null
        title: string | null
        body: string | null
        media_urls: string[] | null
        link_url: string | null
        platform_specific: Json | null
        scheduled_for: string | null
        retry_count: number | null
        native_state: string | null
        native_attempt_id: string | null
        external_id: string | null
        external_url: string | null
        unresolved_attempts: Json | null
      }
      conversion_rollup_row: {
        client_id: string | null
        platform_id: string | null
        published_at: string | null
        clicks: number | null
        conversions: number | null
        conversion_value: number | null
      }
      pattern_lift_row: {
        pattern_id: string | null
        pattern_applied: boolean | null
        engagement_rate: number | null
        engagement_base: number | null
        engagement_count: number | null
        clicks: number | null
        conversions: number | null
      }
      report_window_row: {
        client_id: string | null
        platform_id: string | null
        published_at: string | null
        timezone: string | null
        impressions: number | null
        engagement_rate: number | null
        click_through_rate: number | null
        clicks: number | null
      }
    }
  }
  public: {
    Tables: {
      ab_test_result_rollups: {
        Row: {
          click_through_rate: number | null
          clicks: number | null
          client_id: string
          ctr_diff: number | null
          ctr_p_value: number | null
          distribution_ids: string[]
          engagement_base: number | null
          engagement_count: number | null
          engagement_lift_pct: number | null
          engagement_p_value: number | null
          engagement_rate: number | null
          engagement_rate_diff: number | null
          engagements: number | null
          first_published_at: string | null
          impressions: number | null
          is_control: boolean | null
          posts: number
          published_posts: number
          variant: string
          variant_group: string
        }
        Insert: {
          click_through_rate?: number | null
          clicks?: number | null
          client_id: string
          ctr_diff?: number | null
          ctr_p_value?: number | null
          distribution_ids: string[]
          engagement_base?: number | null
          engagement_count?: number | null
          engagement_lift_pct?: number | null
          engagement_p_value?: number | null
          engagement_rate?: number | null
          engagement_rate_diff?: number | null
          engagements?: number | null
          first_published_at?: string | null
          impressions?: number | null
          is_control?: boolean | null
          posts: number
          published_posts: number
          variant: string
          variant_group: string
        }
        Update: {
          click_through_rate?: number | null
          clicks?: number | null
          client_id?: string
          ctr_diff?: number | null
          ctr_p_value?: number | null
          distribution_ids?: string[]
          engagement_base?: number | null
          engagement_count?: number | null
          engagement_lift_pct?: number | null
          engagement_p_value?: number | null
          engagement_rate?: number | null
          engagement_rate_diff?: number | null
          engagements?: number | null
          first_published_at?: string | null
          impressions?: number | null
          is_control?: boolean | null
          posts?: number
          published_posts?: number
          variant?: string
          variant_group?: string
        }
        Relationships: [
          {
            foreignKeyName: "ab_test_result_rollups_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
        ]
      }
      ab_tests: {
        Row: {
          alpha: number | null
          client_id: string
          concluded_at: string | null
          created_at: string
          id: string
          p_value: number | null
          result: string | null
          started_at: string | null
          status: Database["public"]["Enums"]["ab_test_status"]
          updated_at: string
          variant_group: string
          variants: NonNullable<Json>
          winner_distribution_id: string | null
          winner_variant: string | null
        }
        Insert: {
          alpha?: number | null
          client_id: string
          concluded_at?: string | null
          created_at?: string
          id?: string
          p_value?: number | null
          result?: string | null
          started_at?: string | null
          status?: Database["public"]["Enums"]["ab_test_status"]
          updated_at?: string
          variant_group: string
          variants?: NonNullable<Json>
          winner_distribution_id?: string | null
          winner_variant?: string | null
        }
        Update: {
          alpha?: number | null
          client_id?: string
          concluded_at?: string | null
          created_at?: string
          id?: string
          p_value?: number | null
          result?: string | null
          started_at?: string | null
          status?: Database["public"]["Enums"]["ab_test_status"]
          updated_at?: string
          variant_group?: string
          variants?: NonNullable<Json>
          winner_distribution_id?: string | null
          winner_variant?: string | null
        }
        Relationships: [
          {
            foreignKeyName: "ab_tests_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "ab_tests_winner_distribution_fkey"
            columns: ["winner_distribution_id", "client_id"]
            isOneToOne: false
            referencedRelation: "attention_unconfirmed"
            referencedColumns: ["distribution_id", "client_id"]
          },
          {
            foreignKeyName: "ab_tests_winner_distribution_fkey"
            columns: ["winner_distribution_id", "client_id"]
            isOneToOne: false
            referencedRelation: "conversion_report"
            referencedColumns: ["distribution_id", "client_id"]
          },
          {
            foreignKeyName: "ab_tests_winner_distribution_fkey"
            columns: ["winner_distribution_id", "client_id"]
            isOneToOne: false
            referencedRelation: "distributions"
            referencedColumns: ["id", "client_id"]
          },
          {
            foreignKeyName: "ab_tests_winner_distribution_fkey"
            columns: ["winner_distribution_id", "client_id"]
            isOneToOne: false
            referencedRelation: "distributions_awaiting_approval"
            referencedColumns: ["distribution_id", "client_id"]
          },
        ]
      }
      approval_rules: {
        Row: {
          client_id: string
          content_type: string | null
          created_at: string
          id: string
          platform_id: string | null
        }
        Insert: {
          client_id: string
          content_type?: string | null
          created_at?: string
          id?: string
          platform_id?: string | null
        }
        Update: {
          client_id?: string
          content_type?: string | null
          created_at?: string
          id?: string
          platform_id?: string | null
        }
        Relationships: [
          {
            foreignKeyName: "approval_rules_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "approval_rules_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "attention_platforms_to_reconnect"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "approval_rules_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "conversion_report_by_platform"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "approval_rules_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "platform_health"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "approval_rules_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "platforms"
            referencedColumns: ["id", "client_id"]
          },
        ]
      }
      best_time_rollups: {
        Row: {
          client_id: string
          day_of_week: number
          engagement_rate_sum: number
          hour: number
          platform_id: string
          posts: number
        }
        Insert: {
          client_id: string
          day_of_week: number
          engagement_rate_sum?: number
          hour: number
          platform_id: string
          posts?: number
        }
        Update: {
          client_id?: string
          day_of_week?: number
          engagement_rate_sum?: number
          hour?: number
          platform_id?: string
          posts?: number
        }
        Relationships: [
          {
            foreignKeyName: "best_time_rollups_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "best_time_rollups_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "attention_platforms_to_reconnect"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "best_time_rollups_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "conversion_report_by_platform"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "best_time_rollups_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "platform_health"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "best_time_rollups_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "platforms"
            referencedColumns: ["id", "client_id"]
          },
        ]
      }
      client_members: {
        Row: {
          client_id: string
          created_at: string
          id: string
          role: string
          updated_at: string
          user_id: string
        }
        Insert: {
          client_id: string
          created_at?: string
          id?: string
          role?: string
          updated_at?: string
          user_id: string
        }
        Update: {
          client_id?: string
          created_at?: string
          id?: string
          role?: string
          updated_at?: string
          user_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "client_members_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
        ]
      }
      clients: {
        Row: {
          created_at: string
          default_timezone: string
          id: string
          name: string
          optimize_for: string
          optimize_max_days_ahead: number
          updated_at: string
        }
        Insert: {
          created_at?: string
          default_timezone?: string
          id?: string
          name: string
          optimize_for?: string
          optimize_max_days_ahead?: number
          updated_at?: string
        }
        Update: {
          created_at?: string
          default_timezone?: string
          id?: string
          name?: string
          optimize_for?: string
          optimize_max_days_ahead?: number
          updated_at?: string
        }
        Relationships: []
      }
      content_performance_rollups: {
        Row: {
          avg_engagement_rate: number | null
          best_engagement_rate: number | null
          best_platform: string | null
          clicks: number | null
          client_id: string
          content_id: string
          conversion_value: number | null
          conversions: number | null
          distributions: number
          engagement_rate: number | null
          engagements: number | null
          first_published_at: string | null
          impressions: number | null
          platforms: string[] | null
          published: number
          video_views: number | null
        }
        Insert: {
          avg_engagement_rate?: number | null
          best_engagement_rate?: number | null
          best_platform?: string | null
          clicks?: number | null
          client_id: string
          content_id: string
          conversion_value?: number | null
          conversions?: number | null
          distributions: number
          engagement_rate?: number | null
          engagements?: number | null
          first_published_at?: string | null
          impressions?: number | null
          platforms?: string[] | null
          published: number
          video_views?: number | null
        }
        Update: {
          avg_engagement_rate?: number | null
          best_engagement_rate?: number | null
          best_platform?: string | null
          clicks?: number | null
          client_id?: string
          content_id?: string
          conversion_value?: number | null
          conversions?: number | null
          distributions?: number
          engagement_rate?: number | null
          engagements?: number | null
          first_published_at?: string | null
          impressions?: number | null
          platforms?: string[] | null
          published?: number
          video_views?: number | null
        }
        Relationships: [
          {
            foreignKeyName: "content_performance_rollups_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "content_performance_rollups_content_fkey"
            columns: ["content_id", "client_id"]
            isOneToOne: false
            referencedRelation: "content_performance"
            referencedColumns: ["content_id", "client_id"]
          },
          {
            foreignKeyName: "content_performance_rollups_content_fkey"
            columns: ["content_id", "client_id"]
            isOneToOne: false
            referencedRelation: "generated_content"
            referencedColumns: ["id", "client_id"]
          },
        ]
      }
      conversion_rollups: {
        Row: {
          clicks: number
          client_id: string
          conversion_value: number
          conversions: number
          conversions_with_clicks: number
          month: string
          platform_id: string
          posts: number
          posts_with_clicks: number
        }
        Insert: {
          clicks?: number
          client_id: string
          conversion_value?: number
          conversions?: number
          conversions_with_clicks?: number
          month: string
          platform_id: string
          posts?: number
          posts_with_clicks?: number
        }
        Update: {
          clicks?: number
          client_id?: string
          conversion_value?: number
          conversions?: number
          conversions_with_clicks?: number
          month?: string
          platform_id?: string
          posts?: number
          posts_with_clicks?: number
        }
        Relationships: [
          {
            foreignKeyName: "conversion_rollups_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "conversion_rollups_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "attention_platforms_to_reconnect"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "conversion_rollups_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "conversion_report_by_platform"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "conversion_rollups_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "platform_health"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "conversion_rollups_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "platforms"
            referencedColumns: ["id", "client_id"]
          },
        ]
      }
      conversions: {
        Row: {
          client_id: string
          created_at: string
          currency: string
          distribution_id: string | null
          external_ref: string | null
          id: string
          metadata: NonNullable<Json>
          occurred_at: string
          utm_campaign: string | null
          utm_content: string | null
          utm_medium: string | null
          utm_source: string | null
          value: number
        }
        Insert: {
          client_id: string
          created_at?: string
          currency?: string
          distribution_id?: string | null
          external_ref?: string | null
          id?: string
          metadata?: NonNullable<Json>
          occurred_at?: string
          utm_campaign?: string | null
          utm_content?: string | null
          utm_medium?: string | null
          utm_source?: string | null
          value?: number
        }
        Update: {
          client_id?: string
          created_at?: string
          currency?: string
          distribution_id?: string | null
          external_ref?: string | null
          id?: string
          metadata?: NonNullable<Json>
          occurred_at?: string
          utm_campaign?: string | null
          utm_content?: string | null
          utm_medium?: string | null
          utm_source?: string | null
          value?: number
        }
        Relationships: [
          {
            foreignKeyName: "conversions_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "conversions_distribution_fkey"
            columns: ["distribution_id", "client_id"]
            isOneToOne: false
            referencedRelation: "attention_unconfirmed"
            referencedColumns: ["distribution_id", "client_id"]
          },
          {
            foreignKeyName: "conversions_distribution_fkey"
            columns: ["distribution_id", "client_id"]
            isOneToOne: false
            referencedRelation: "conversion_report"
            referencedColumns: ["distribution_id", "client_id"]
          },
          {
            foreignKeyName: "conversions_distribution_fkey"
            columns: ["distribution_id", "client_id"]
            isOneToOne: false
            referencedRelation: "distributions"
            referencedColumns: ["id", "client_id"]
          },
          {
            foreignKeyName: "conversions_distribution_fkey"
            columns: ["distribution_id", "client_id"]
            isOneToOne: false
            referencedRelation: "distributions_awaiting_approval"
            referencedColumns: ["distribution_id", "client_id"]
          },
        ]
      }
      cross_post_group_rollups: {
        Row: {
          click_through_rate: number | null
          clicks: number | null
          client_id: string
          conversions: number | null
          cross_post_group_id: string
          distributions: number
          engagement_rate: number | null
          engagements: number | null
          failed: number
          first_published_at: string | null
          impressions: number | null
          last_published_at: string | null
          pending: number
          platforms: string[] | null
          published: number
        }
        Insert: {
          click_through_rate?: number | null
          clicks?: number | null
          client_id: string
          conversions?: number | null
          cross_post_group_id: string
          distributions: number
          engagement_rate?: number | null
          engagements?: number | null
          failed: number
          first_published_at?: string | null
          impressions?: number | null
          last_published_at?: string | null
          pending: number
          platforms?: string[] | null
          published: number
        }
        Update: {
          click_through_rate?: number | null
          clicks?: number | null
          client_id?: string
          conversions?: number | null
          cross_post_group_id?: string
          distributions?: number
          engagement_rate?: number | null
          engagements?: number | null
          failed?: number
          first_published_at?: string | null
          impressions?: number | null
          last_published_at?: string | null
          pending?: number
          platforms?: string[] | null
          published?: number
        }
        Relationships: [
          {
            foreignKeyName: "cross_post_group_rollups_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "cross_post_group_rollups_group_fkey"
            columns: ["cross_post_group_id", "client_id"]
            isOneToOne: false
            referencedRelation: "cross_post_group_summary"
            referencedColumns: ["cross_post_group_id", "client_id"]
          },
          {
            foreignKeyName: "cross_post_group_rollups_group_fkey"
            columns: ["cross_post_group_id", "client_id"]
            isOneToOne: false
            referencedRelation: "cross_post_groups"
            referencedColumns: ["id", "client_id"]
          },
        ]
      }
      cross_post_groups: {
        Row: {
          client_id: string
          created_at: string
          id: string
          name: string | null
          source_content_id: string | null
          stagger_minutes: number | null
          status: Database["public"]["Enums"]["cross_post_group_status"]
          timing_strategy: string
          updated_at: string
        }
        Insert: {
          client_id: string
          created_at?: string
          id?: string
          name?: string | null
          source_content_id?: string | null
          stagger_minutes?: number | null
          status?: Database["public"]["Enums"]["cross_post_group_status"]
          timing_strategy?: string
          updated_at?: string
        }
        Update: {
          client_id?: string
          created_at?: string
          id?: string
          name?: string | null
          source_content_id?: string | null
          stagger_minutes?: number | null
          status?: Database["public"]["Enums"]["cross_post_group_status"]
          timing_strategy?: string
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "cross_post_groups_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "cross_post_groups_source_content_fkey"
            columns: ["source_content_id", "client_id"]
            isOneToOne: false
            referencedRelation: "content_performance"
            referencedColumns: ["content_id", "client_id"]
          },
          {
            foreignKeyName: "cross_post_groups_source_content_fkey"
            columns: ["source_content_id", "client_id"]
            isOneToOne: false
            referencedRelation: "generated_content"
            referencedColumns: ["id", "client_id"]
          },
        ]
      }
      distribution_attempts: {
        Row: {
          client_id: string
          distribution_id: string
          error_message: string | null
          external_id: string | null
          finished_at: string
          http_status: number | null
          id: string
          kind: Database["public"]["Enums"]["distribution_attempt_kind"]
          outcome: string
          platform_id: string
          started_at: string
        }
        Insert: {
          client_id: string
          distribution_id: string
          error_message?: string | null
          external_id?: string | null
          finished_at?: string
          http_status?: number | null
          id: string
          kind?: Database["public"]["Enums"]["distribution_attempt_kind"]
          outcome: string
          platform_id: string
          started_at?: string
        }
        Update: {
          client_id?: string
          distribution_id?: string
          error_message?: string | null
          external_id?: string | null
          finished_at?: string
          http_status?: number | null
          id?: string
          kind?: Database["public"]["Enums"]["distribution_attempt_kind"]
          outcome?: string
          platform_id?: string
          started_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "distribution_attempts_distribution_fkey"
            columns: ["distribution_id", "client_id"]
            isOneToOne: false
            referencedRelation: "attention_unconfirmed"
            referencedColumns: ["distribution_id", "client_id"]
          },
          {
            foreignKeyName: "distribution_attempts_distribution_fkey"
            columns: ["distribution_id", "client_id"]
            isOneToOne: false
            referencedRelation: "conversion_report"
            referencedColumns: ["distribution_id", "client_id"]
          },
          {
            foreignKeyName: "distribution_attempts_distribution_fkey"
            columns: ["distribution_id", "client_id"]
            isOneToOne: false
            referencedRelation: "distributions"
            referencedColumns: ["id", "client_id"]
          },
          {
            foreignKeyName: "distribution_attempts_distribution_fkey"
            columns: ["distribution_id", "client_id"]
            isOneToOne: false
            referencedRelation: "distributions_awaiting_approval"
            referencedColumns: ["distribution_id", "client_id"]
          },
        ]
      }
      distribution_metrics: {
        Row: {
          clicks: number | null
          client_id: string
          comments: number | null
          distribution_id: string
          engagements: number | null
          followers_gained: number | null
          followers_lost: number | null
          hours_since_publish: number | null
          id: string
          impressions: number | null
          likes: number | null
          platform_metrics: NonNullable<Json>
          reach: number | null
          recorded_at: string
          saves: number | null
          shares: number | null
          video_views: number | null
          video_watch_time_seconds: number | null
        }
        Insert: {
          clicks?: number | null
          client_id: string
          comments?: number | null
          distribution_id: string
          engagements?: number | null
          followers_gained?: number | null
          followers_lost?: number | null
          hours_since_publish?: number | null
          id?: string
          impressions?: number | null
          likes?: number | null
          platform_metrics?: NonNullable<Json>
          reach?: number | null
          recorded_at?: string
          saves?: number | null
          shares?: number | null
          video_views?: number | null
          video_watch_time_seconds?: number | null
        }
        Update: {
          clicks?: number | null
          client_id?: string
          comments?: number | null
          distribution_id?: string
          engagements?: number | null
          followers_gained?: number | null
          followers_lost?: number | null
          hours_since_publish?: number | null
          id?: string
          impressions?: number | null
          likes?: number | null
          platform_metrics?: NonNullable<Json>
          reach?: number | null
          recorded_at?: string
          saves?: number | null
          shares?: number | null
          video_views?: number | null
          video_watch_time_seconds?: number | null
        }
        Relationships: [
          {
            foreignKeyName: "distribution_metrics_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "distribution_metrics_distribution_fkey"
            columns: ["distribution_id", "client_id"]
            isOneToOne: false
            referencedRelation: "attention_unconfirmed"
            referencedColumns: ["distribution_id", "client_id"]
          },
          {
            foreignKeyName: "distribution_metrics_distribution_fkey"
            columns: ["distribution_id", "client_id"]
            isOneToOne: false
            referencedRelation: "conversion_report"
            referencedColumns: ["distribution_id", "client_id"]
          },
          {
            foreignKeyName: "distribution_metrics_distribution_fkey"
            columns: ["distribution_id", "client_id"]
            isOneToOne: false
            referencedRelation: "distributions"
            referencedColumns: ["id", "client_id"]
          },
          {
            foreignKeyName: "distribution_metrics_distribution_fkey"
            columns: ["distribution_id", "client_id"]
            isOneToOne: false
            referencedRelation: "distributions_awaiting_approval"
            referencedColumns: ["distribution_id", "client_id"]
          },
        ]
      }
      distribution_patterns: {
        Row: {
          applied_at: string
          client_id: string
          distribution_id: string
          pattern_id: string
        }
        Insert: {
          applied_at?: string
          client_id: string
          distribution_id: string
          pattern_id: string
        }
        Update: {
          applied_at?: string
          client_id?: string
          distribution_id?: string
          pattern_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "distribution_patterns_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "distribution_patterns_distribution_fkey"
            columns: ["distribution_id", "client_id"]
            isOneToOne: false
            referencedRelation: "attention_unconfirmed"
            referencedColumns: ["distribution_id", "client_id"]
          },
          {
            foreignKeyName: "distribution_patterns_distribution_fkey"
            columns: ["distribution_id", "client_id"]
            isOneToOne: false
            referencedRelation: "conversion_report"
            referencedColumns: ["distribution_id", "client_id"]
          },
          {
            foreignKeyName: "distribution_patterns_distribution_fkey"
            columns: ["distribution_id", "client_id"]
            isOneToOne: false
            referencedRelation: "distributions"
            referencedColumns: ["id", "client_id"]
          },
          {
            foreignKeyName: "distribution_patterns_distribution_fkey"
            columns: ["distribution_id", "client_id"]
            isOneToOne: false
            referencedRelation: "distributions_awaiting_approval"
            referencedColumns: ["distribution_id", "client_id"]
          },
          {
            foreignKeyName: "distribution_patterns_pattern_fkey"
            columns: ["pattern_id", "client_id"]
            isOneToOne: false
            referencedRelation: "pattern_lift"
            referencedColumns: ["pattern_id", "client_id"]
          },
          {
            foreignKeyName: "distribution_patterns_pattern_fkey"
            columns: ["pattern_id", "client_id"]
            isOneToOne: false
            referencedRelation: "platform_patterns"
            referencedColumns: ["id", "client_id"]
          },
        ]
      }
      distribution_requests: {
        Row: {
          attempts: number
          claimed_at: string | null
          client_id: string
          content_id: string
          created_at: string
          error: string | null
          id: string
          requested_at: string
          result: Json | null
          status: Database["public"]["Enums"]["distribution_request_status"]
          updated_at: string
        }
        Insert: {
          attempts?: number
          claimed_at?: string | null
          client_id: string
          content_id: string
          created_at?: string
          error?: string | null
          id?: string
          requested_at?: string
          result?: Json | null
          status?: Database["public"]["Enums"]["distribution_request_status"]
          updated_at?: string
        }
        Update: {
          attempts?: number
          claimed_at?: string | null
          client_id?: string
          content_id?: string
          created_at?: string
          error?: string | null
          id?: string
          requested_at?: string
          result?: Json | null
          status?: Database["public"]["Enums"]["distribution_request_status"]
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "distribution_requests_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "distribution_requests_content_fkey"
            columns: ["content_id", "client_id"]
            isOneToOne: false
            referencedRelation: "content_performance"
            referencedColumns: ["content_id", "client_id"]
          },
          {
            foreignKeyName: "distribution_requests_content_fkey"
            columns: ["content_id", "client_id"]
            isOneToOne: false
            referencedRelation: "generated_content"
            referencedColumns: ["id", "client_id"]
          },
        ]
      }
      distributions: {
        Row: {
          approval_requested_at: string | null
          attempt_id: string | null
          attempt_started_at: string | null
          body: string
          business_unit: string | null
          click_through_rate: number | null
          clicks: number | null
          client_id: string
          comments: number | null
          content_id: string | null
          content_type: string
          conversion_value: number
          conversions: number
          created_at: string
          cross_post_group_id: string | null
          edit_state:
            | Database["public"]["Enums"]["distribution_edit_state"]
            | null
          engagement_base: number | null
          engagement_count: number | null
          engagement_rate: number | null
          engagements: number | null
          error_message: string | null
          external_id: string | null
          external_url: string | null
          id: string
          impressions: number | null
          is_control: boolean
          last_retry_at: string | null
          lease_expires_at: string | null
          likes: number | null
          link_url: string | null
          media_urls: string[] | null
          metrics_last_error: string | null
          metrics_lease_until: string | null
          metrics_next_sync_at: string | null
          metrics_sync_failures: number
          metrics_synced_at: string | null
          native_attempt_id: string | null
          native_state:
            | Database["public"]["Enums"]["distribution_native_state"]
            | null
          next_attempt_at: string | null
          platform_id: string
          platform_metrics: NonNullable<Json>
          platform_specific: NonNullable<Json>
          published_at: string | null
          reach: number | null
          retry_count: number
          review_note: string | null
          reviewed_at: string | null
          reviewed_by: string | null
          saves: number | null
          scheduled_for: string | null
          shares: number | null
          status: Database["public"]["Enums"]["distribution_status"]
          timezone: string
          title: string | null
          unpublish_state:
            | Database["public"]["Enums"]["distribution_unpublish_state"]
            | null
          unpublished_at: string | null
          updated_at: string
          variant_group: string | null
          vertical_id: string | null
          video_views: number | null
          video_watch_time_seconds: number | null
        }
        Insert: {
          approval_requested_at?: string | null
          attempt_id?: string | null
          attempt_started_at?: string | null
          body: string
          business_unit?: string | null
          click_through_rate?: number | null
          clicks?: number | null
          client_id: string
          comments?: number | null
          content_id?: string | null
          content_type: string
          conversion_value?: number
          conversions?: number
          created_at?: string
          cross_post_group_id?: string | null
          edit_state?:
            | Database["public"]["Enums"]["distribution_edit_state"]
            | null
          engagement_base?: number | null
          engagement_count?: number | null
          engagement_rate?: number | null
          engagements?: number | null
          error_message?: string | null
          external_id?: string | null
          external_url?: string | null
          id?: string
          impressions?: number | null
          is_control?: boolean
          last_retry_at?: string | null
          lease_expires_at?: string | null
          likes?: number | null
          link_url?: string | null
          media_urls?: string[] | null
          metrics_last_error?: string | null
          metrics_lease_until?: string | null
          metrics_next_sync_at?: string | null
          metrics_sync_failures?: number
          metrics_synced_at?: string | null
          native_attempt_id?: string | null
          native_state?:
            | Database["public"]["Enums"]["distribution_native_state"]
            | null
          next_attempt_at?: string | null
          platform_id: string
          platform_metrics?: NonNullable<Json>
          platform_specific?: NonNullable<Json>
          published_at?: string | null
          reach?: number | null
          retry_count?: number
          review_note?: string | null
          reviewed_at?: string | null
          reviewed_by?: string | null
          saves?: number | null
          scheduled_for?: string | null
          shares?: number | null
          status?: Database["public"]["Enums"]["distribution_status"]
          timezone?: string
          title?: string | null
          unpublish_state?:
            | Database["public"]["Enums"]["distribution_unpublish_state"]
            | null
          unpublished_at?: string | null
          updated_at?: string
          variant_group?: string | null
          vertical_id?: string | null
          video_views?: number | null
          video_watch_time_seconds?: number | null
        }
        Update: {
          approval_requested_at?: string | null
          attempt_id?: string | null
          attempt_started_at?: string | null
          body?: string
          business_unit?: string | null
          click_through_rate?: number | null
          clicks?: number | null
          client_id?: string
          comments?: number | null
          content_id?: string | null
          content_type?: string
          conversion_value?: number
          conversions?: number
          created_at?: string
          cross_post_group_id?: string | null
          edit_state?:
            | Database["public"]["Enums"]["distribution_edit_state"]
            | null
          engagement_base?: number | null
          engagement_count?: number | null
          engagement_rate?: number | null
          engagements?: number | null
          error_message?: string | null
          external_id?: string | null
          external_url?: string | null
          id?: string
          impressions?: number | null
          is_control?: boolean
          last_retry_at?: string | null
          lease_expires_at?: string | null
          likes?: number | null
          link_url?: string | null
          media_urls?: string[] | null
          metrics_last_error?: string | null
          metrics_lease_until?: string | null
          metrics_next_sync_at?: string | null
          metrics_sync_failures?: number
          metrics_synced_at?: string | null
          native_attempt_id?: string | null
          native_state?:
            | Database["public"]["Enums"]["distribution_native_state"]
            | null
          next_attempt_at?: string | null
          platform_id?: string
          platform_metrics?: NonNullable<Json>
          platform_specific?: NonNullable<Json>
          published_at?: string | null
          reach?: number | null
          retry_count?: number
          review_note?: string | null
          reviewed_at?: string | null
          reviewed_by?: string | null
          saves?: number | null
          scheduled_for?: string | null
          shares?: number | null
          status?: Database["public"]["Enums"]["distribution_status"]
          timezone?: string
          title?: string | null
          unpublish_state?:
            | Database["public"]["Enums"]["distribution_unpublish_state"]
            | null
          unpublished_at?: string | null
          updated_at?: string
          variant_group?: string | null
          vertical_id?: string | null
          video_views?: number | null
          video_watch_time_seconds?: number | null
        }
        Relationships: [
          {
            foreignKeyName: "distributions_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "distributions_content_fkey"
            columns: ["content_id", "client_id"]
            isOneToOne: false
            referencedRelation: "content_performance"
            referencedColumns: ["content_id", "client_id"]
          },
          {
            foreignKeyName: "distributions_content_fkey"
            columns: ["content_id", "client_id"]
            isOneToOne: false
            referencedRelation: "generated_content"
            referencedColumns: ["id", "client_id"]
          },
          {
            foreignKeyName: "distributions_cross_post_group_fkey"
            columns: ["cross_post_group_id", "client_id"]
            isOneToOne: false
            referencedRelation: "cross_post_group_summary"
            referencedColumns: ["cross_post_group_id", "client_id"]
          },
          {
            foreignKeyName: "distributions_cross_post_group_fkey"
            columns: ["cross_post_group_id", "client_id"]
            isOneToOne: false
            referencedRelation: "cross_post_groups"
            referencedColumns: ["id", "client_id"]
          },
          {
            foreignKeyName: "distributions_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "attention_platforms_to_reconnect"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "distributions_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "conversion_report_by_platform"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "distributions_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "platform_health"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "distributions_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "platforms"
            referencedColumns: ["id", "client_id"]
          },
          {
            foreignKeyName: "distributions_vertical_fkey"
            columns: ["vertical_id", "client_id"]
            isOneToOne: false
            referencedRelation: "publisher_verticals"
            referencedColumns: ["id", "client_id"]
          },
        ]
      }
      generated_content: {
        Row: {
          business_unit: string | null
          client_id: string
          content: string
          content_type: string
          created_at: string
          id: string
          metadata: NonNullable<Json>
          priority: string
          status: Database["public"]["Enums"]["content_status"]
          target_platform_ids: string[]
          title: string | null
          updated_at: string
          vertical_id: string | null
        }
        Insert: {
          business_unit?: string | null
          client_id: string
          content: string
          content_type?: string
          created_at?: string
          id?: string
          metadata?: NonNullable<Json>
          priority?: string
          status?: Database["public"]["Enums"]["content_status"]
          target_platform_ids?: string[]
          title?: string | null
          updated_at?: string
          vertical_id?: string | null
        }
        Update: {
          business_unit?: string | null
          client_id?: string
          content?: string
          content_type?: string
          created_at?: string
          id?: string
          metadata?: NonNullable<Json>
          priority?: string
          status?: Database["public"]["Enums"]["content_status"]
          target_platform_ids?: string[]
          title?: string | null
          updated_at?: string
          vertical_id?: string | null
        }
        Relationships: [
          {
            foreignKeyName: "generated_content_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "generated_content_vertical_fkey"
            columns: ["vertical_id", "client_id"]
            isOneToOne: false
            referencedRelation: "publisher_verticals"
            referencedColumns: ["id", "client_id"]
          },
        ]
      }
      idempotency_keys: {
        Row: {
          completed_at: string | null
          created_at: string
          endpoint: string
          key: string
          request_hash: string
          response_body: string | null
          status: number | null
          user_id: string
        }
        Insert: {
          completed_at?: string | null
          created_at?: string
          endpoint: string
          key: string
          request_hash: string
          response_body?: string | null
          status?: number | null
          user_id: string
        }
        Update: {
          completed_at?: string | null
          created_at?: string
          endpoint?: string
          key?: string
          request_hash?: string
          response_body?: string | null
          status?: number | null
          user_id?: string
        }
        Relationships: []
      }
      metrics_read_budgets: {
        Row: {
          kind: Database["public"]["Enums"]["platform_kind"]
          max_reads: number
          notes: string | null
          per: string
          scope: string
          updated_at: string
          window_origin: string
        }
        Insert: {
          kind: Database["public"]["Enums"]["platform_kind"]
          max_reads: number
          notes?: string | null
          per: string
          scope?: string
          updated_at?: string
          window_origin?: string
        }
        Update: {
          kind?: Database["public"]["Enums"]["platform_kind"]
          max_reads?: number
          notes?: string | null
          per?: string
          scope?: string
          updated_at?: string
          window_origin?: string
        }
        Relationships: []
      }
      metrics_sync_policy: {
        Row: {
          client_id: string | null
          created_at: string
          id: string
          max_age: string
          platform_id: string | null
          sync_every: string
          updated_at: string
        }
        Insert: {
          client_id?: string | null
          created_at?: string
          id?: string
          max_age: string
          platform_id?: string | null
          sync_every: string
          updated_at?: string
        }
        Update: {
          client_id?: string | null
          created_at?: string
          id?: string
          max_age?: string
          platform_id?: string | null
          sync_every?: string
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "metrics_sync_policy_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "metrics_sync_policy_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "attention_platforms_to_reconnect"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "metrics_sync_policy_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "conversion_report_by_platform"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "metrics_sync_policy_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "platform_health"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "metrics_sync_policy_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "platforms"
            referencedColumns: ["id", "client_id"]
          },
        ]
      }
      metrics_sync_stats: {
        Row: {
          client_id: string
          failed: number
          hour: string
          platform_id: string
          synced: number
        }
        Insert: {
          client_id: string
          failed?: number
          hour: string
          platform_id: string
          synced?: number
        }
        Update: {
          client_id?: string
          failed?: number
          hour?: string
          platform_id?: string
          synced?: number
        }
        Relationships: [
          {
            foreignKeyName: "metrics_sync_stats_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "metrics_sync_stats_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "attention_platforms_to_reconnect"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "metrics_sync_stats_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "conversion_report_by_platform"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "metrics_sync_stats_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "platform_health"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "metrics_sync_stats_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "platforms"
            referencedColumns: ["id", "client_id"]
          },
        ]
      }
      pattern_feedback: {
        Row: {
          clicks: number | null
          client_id: string
          content_id: string | null
          conversions: number | null
          created_at: string
          day_of_week: number | null
          distribution_id: string | null
          engagement_base: number | null
          engagement_count: number | null
          engagement_rate: number | null
          engagements: number | null
          hour_of_day: number | null
          id: string
          impressions: number | null
          pattern_applied: boolean
          pattern_id: string
          posted_at: string | null
          shares: number | null
          updated_at: string
        }
        Insert: {
          clicks?: number | null
          client_id: string
          content_id?: string | null
          conversions?: number | null
          created_at?: string
          day_of_week?: number | null
          distribution_id?: string | null
          engagement_base?: number | null
          engagement_count?: number | null
          engagement_rate?: number | null
          engagements?: number | null
          hour_of_day?: number | null
          id?: string
          impressions?: number | null
          pattern_applied: boolean
          pattern_id: string
          posted_at?: string | null
          shares?: number | null
          updated_at?: string
        }
        Update: {
          clicks?: number | null
          client_id?: string
          content_id?: string | null
          conversions?: number | null
          created_at?: string
          day_of_week?: number | null
          distribution_id?: string | null
          engagement_base?: number | null
          engagement_count?: number | null
          engagement_rate?: number | null
          engagements?: number | null
          hour_of_day?: number | null
          id?: string
          impressions?: number | null
          pattern_applied?: boolean
          pattern_id?: string
          posted_at?: string | null
          shares?: number | null
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "pattern_feedback_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "pattern_feedback_content_fkey"
            columns: ["content_id", "client_id"]
            isOneToOne: false
            referencedRelation: "content_performance"
            referencedColumns: ["content_id", "client_id"]
          },
          {
            foreignKeyName: "pattern_feedback_content_fkey"
            columns: ["content_id", "client_id"]
            isOneToOne: false
            referencedRelation: "generated_content"
            referencedColumns: ["id", "client_id"]
          },
          {
            foreignKeyName: "pattern_feedback_distribution_fkey"
            columns: ["distribution_id", "client_id"]
            isOneToOne: false
            referencedRelation: "attention_unconfirmed"
            referencedColumns: ["distribution_id", "client_id"]
          },
          {
            foreignKeyName: "pattern_feedback_distribution_fkey"
            columns: ["distribution_id", "client_id"]
            isOneToOne: false
            referencedRelation: "conversion_report"
            referencedColumns: ["distribution_id", "client_id"]
          },
          {
            foreignKeyName: "pattern_feedback_distribution_fkey"
            columns: ["distribution_id", "client_id"]
            isOneToOne: false
            referencedRelation: "distributions"
            referencedColumns: ["id", "client_id"]
          },
          {
            foreignKeyName: "pattern_feedback_distribution_fkey"
            columns: ["distribution_id", "client_id"]
            isOneToOne: false
            referencedRelation: "distributions_awaiting_approval"
            referencedColumns: ["distribution_id", "client_id"]
          },
          {
            foreignKeyName: "pattern_feedback_pattern_fkey"
            columns: ["pattern_id", "client_id"]
            isOneToOne: false
            referencedRelation: "pattern_lift"
            referencedColumns: ["pattern_id", "client_id"]
          },
          {
            foreignKeyName: "pattern_feedback_pattern_fkey"
            columns: ["pattern_id", "client_id"]
            isOneToOne: false
            referencedRelation: "platform_patterns"
            referencedColumns: ["id", "client_id"]
          },
        ]
      }
      pattern_lift_rollups: {
        Row: {
          base_applied: number
          base_not_applied: number
          clicks_base_applied: number
          clicks_base_not_applied: number
          clicks_count_applied: number
          clicks_count_not_applied: number
          clicks_counted_applied: number
          clicks_counted_not_applied: number
          client_id: string
          conversions_base_applied: number
          conversions_base_not_applied: number
          conversions_count_applied: number
          conversions_count_not_applied: number
          conversions_counted_applied: number
          conversions_counted_not_applied: number
          count_applied: number
          count_not_applied: number
          counted_applied: number
          counted_not_applied: number
          pattern_id: string
          posts_applied: number
          posts_not_applied: number
          rate_n_applied: number
          rate_n_not_applied: number
          rate_sum_applied: number
          rate_sum_not_applied: number
        }
        Insert: {
          base_applied?: number
          base_not_applied?: number
          clicks_base_applied?: number
          clicks_base_not_applied?: number
          clicks_count_applied?: number
          clicks_count_not_applied?: number
          clicks_counted_applied?: number
          clicks_counted_not_applied?: number
          client_id: string
          conversions_base_applied?: number
          conversions_base_not_applied?: number
          conversions_count_applied?: number
          conversions_count_not_applied?: number
          conversions_counted_applied?: number
          conversions_counted_not_applied?: number
          count_applied?: number
          count_not_applied?: number
          counted_applied?: number
          counted_not_applied?: number
          pattern_id: string
          posts_applied?: number
          posts_not_applied?: number
          rate_n_applied?: number
          rate_n_not_applied?: number
          rate_sum_applied?: number
          rate_sum_not_applied?: number
        }
        Update: {
          base_applied?: number
          base_not_applied?: number
          clicks_base_applied?: number
          clicks_base_not_applied?: number
          clicks_count_applied?: number
          clicks_count_not_applied?: number
          clicks_counted_applied?: number
          clicks_counted_not_applied?: number
          client_id?: string
          conversions_base_applied?: number
          conversions_base_not_applied?: number
          conversions_count_applied?: number
          conversions_count_not_applied?: number
          conversions_counted_applied?: number
          conversions_counted_not_applied?: number
          count_applied?: number
          count_not_applied?: number
          counted_applied?: number
          counted_not_applied?: number
          pattern_id?: string
          posts_applied?: number
          posts_not_applied?: number
          rate_n_applied?: number
          rate_n_not_applied?: number
          rate_sum_applied?: number
          rate_sum_not_applied?: number
        }
        Relationships: [
          {
            foreignKeyName: "pattern_lift_rollups_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "pattern_lift_rollups_pattern_fkey"
            columns: ["pattern_id", "client_id"]
            isOneToOne: false
            referencedRelation: "pattern_lift"
            referencedColumns: ["pattern_id", "client_id"]
          },
          {
            foreignKeyName: "pattern_lift_rollups_pattern_fkey"
            columns: ["pattern_id", "client_id"]
            isOneToOne: false
            referencedRelation: "platform_patterns"
            referencedColumns: ["id", "client_id"]
          },
        ]
      }
      performance_window_rollups: {
        Row: {
          click_through_rate_n: number
          click_through_rate_sum: number
          clicks: number
          clicks_n: number
          client_id: string
          engagement_rate_n: number
          engagement_rate_sum: number
          impressions: number
          impressions_n: number
          platform_id: string
          posts: number
        }
        Insert: {
          click_through_rate_n?: number
          click_through_rate_sum?: number
          clicks?: number
          clicks_n?: number
          client_id: string
          engagement_rate_n?: number
          engagement_rate_sum?: number
          impressions?: number
          impressions_n?: number
          platform_id: string
          posts?: number
        }
        Update: {
          click_through_rate_n?: number
          click_through_rate_sum?: number
          clicks?: number
          clicks_n?: number
          client_id?: string
          engagement_rate_n?: number
          engagement_rate_sum?: number
          impressions?: number
          impressions_n?: number
          platform_id?: string
          posts?: number
        }
        Relationships: [
          {
            foreignKeyName: "performance_window_rollups_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "performance_window_rollups_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "attention_platforms_to_reconnect"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "performance_window_rollups_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "conversion_report_by_platform"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "performance_window_rollups_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "platform_health"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "performance_window_rollups_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "platforms"
            referencedColumns: ["id", "client_id"]
          },
        ]
      }
      platform_audience_activity: {
        Row: {
          attempted_at: string
          client_id: string
          days: number
          fetched_at: string | null
          hours: number[] | null
          last_error: string | null
          platform_id: string
        }
        Insert: {
          attempted_at?: string
          client_id: string
          days?: number
          fetched_at?: string | null
          hours?: number[] | null
          last_error?: string | null
          platform_id: string
        }
        Update: {
          attempted_at?: string
          client_id?: string
          days?: number
          fetched_at?: string | null
          hours?: number[] | null
          last_error?: string | null
          platform_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "platform_audience_activity_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "attention_platforms_to_reconnect"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "platform_audience_activity_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "conversion_report_by_platform"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "platform_audience_activity_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "platform_health"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "platform_audience_activity_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "platforms"
            referencedColumns: ["id", "client_id"]
          },
        ]
      }
      platform_cancellations: {
        Row: {
          attempts: number
          client_id: string
          content: Json | null
          created_at: string
          distribution_id: string | null
          done_at: string | null
          external_id: string
          id: string
          last_error: string | null
          lease_expires_at: string | null
          next_attempt_at: string
          platform_id: string
          reason: string
          status: Database["public"]["Enums"]["platform_cancellation_status"]
          updated_at: string
        }
        Insert: {
          attempts?: number
          client_id: string
          content?: Json | null
          created_at?: string
          distribution_id?: string | null
          done_at?: string | null
          external_id: string
          id?: string
          last_error?: string | null
          lease_expires_at?: string | null
          next_attempt_at?: string
          platform_id: string
          reason: string
          status?: Database["public"]["Enums"]["platform_cancellation_status"]
          updated_at?: string
        }
        Update: {
          attempts?: number
          client_id?: string
          content?: Json | null
          created_at?: string
          distribution_id?: string | null
          done_at?: string | null
          external_id?: string
          id?: string
          last_error?: string | null
          lease_expires_at?: string | null
          next_attempt_at?: string
          platform_id?: string
          reason?: string
          status?: Database["public"]["Enums"]["platform_cancellation_status"]
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "platform_cancellations_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "platform_cancellations_distribution_fkey"
            columns: ["distribution_id", "client_id"]
            isOneToOne: false
            referencedRelation: "attention_unconfirmed"
            referencedColumns: ["distribution_id", "client_id"]
          },
          {
            foreignKeyName: "platform_cancellations_distribution_fkey"
            columns: ["distribution_id", "client_id"]
            isOneToOne: false
            referencedRelation: "conversion_report"
            referencedColumns: ["distribution_id", "client_id"]
          },
          {
            foreignKeyName: "platform_cancellations_distribution_fkey"
            columns: ["distribution_id", "client_id"]
            isOneToOne: false
            referencedRelation: "distributions"
            referencedColumns: ["id", "client_id"]
          },
          {
            foreignKeyName: "platform_cancellations_distribution_fkey"
            columns: ["distribution_id", "client_id"]
            isOneToOne: false
            referencedRelation: "distributions_awaiting_approval"
            referencedColumns: ["distribution_id", "client_id"]
          },
          {
            foreignKeyName: "platform_cancellations_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "attention_platforms_to_reconnect"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "platform_cancellations_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "conversion_report_by_platform"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "platform_cancellations_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "platform_health"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "platform_cancellations_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "platforms"
            referencedColumns: ["id", "client_id"]
          },
        ]
      }
      platform_patterns: {
        Row: {
          client_id: string
          confidence: number | null
          created_at: string
          id: string
          pattern_name: string
          pattern_template: string | null
          pattern_type: string
          platform_id: string
          sample_size: number
          updated_at: string
        }
        Insert: {
          client_id: string
          confidence?: number | null
          created_at?: string
          id?: string
          pattern_name: string
          pattern_template?: string | null
          pattern_type: string
          platform_id: string
          sample_size?: number
          updated_at?: string
        }
        Update: {
          client_id?: string
          confidence?: number | null
          created_at?: string
          id?: string
          pattern_name?: string
          pattern_template?: string | null
          pattern_type?: string
          platform_id?: string
          sample_size?: number
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "platform_patterns_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "platform_patterns_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "attention_platforms_to_reconnect"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "platform_patterns_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "conversion_report_by_platform"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "platform_patterns_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "platform_health"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "platform_patterns_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "platforms"
            referencedColumns: ["id", "client_id"]
          },
        ]
      }
      platform_webhook_events: {
        Row: {
          client_id: string
          detail: string | null
          distribution_id: string | null
          event_id: string | null
          event_type: string
          external_id: string | null
          id: string
          outcome: string
          payload: NonNullable<Json>
          platform_id: string
          received_at: string
        }
        Insert: {
          client_id: string
          detail?: string | null
          distribution_id?: string | null
          event_id?: string | null
          event_type: string
          external_id?: string | null
          id?: string
          outcome: string
          payload?: NonNullable<Json>
          platform_id: string
          received_at?: string
        }
        Update: {
          client_id?: string
          detail?: string | null
          distribution_id?: string | null
          event_id?: string | null
          event_type?: string
          external_id?: string | null
          id?: string
          outcome?: string
          payload?: NonNullable<Json>
          platform_id?: string
          received_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "platform_webhook_events_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "platform_webhook_events_distribution_fkey"
            columns: ["distribution_id", "client_id"]
            isOneToOne: false
            referencedRelation: "attention_unconfirmed"
            referencedColumns: ["distribution_id", "client_id"]
          },
          {
            foreignKeyName: "platform_webhook_events_distribution_fkey"
            columns: ["distribution_id", "client_id"]
            isOneToOne: false
            referencedRelation: "conversion_report"
            referencedColumns: ["distribution_id", "client_id"]
          },
          {
            foreignKeyName: "platform_webhook_events_distribution_fkey"
            columns: ["distribution_id", "client_id"]
            isOneToOne: false
            referencedRelation: "distributions"
            referencedColumns: ["id", "client_id"]
          },
          {
            foreignKeyName: "platform_webhook_events_distribution_fkey"
            columns: ["distribution_id", "client_id"]
            isOneToOne: false
            referencedRelation: "distributions_awaiting_approval"
            referencedColumns: ["distribution_id", "client_id"]
          },
          {
            foreignKeyName: "platform_webhook_events_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "attention_platforms_to_reconnect"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "platform_webhook_events_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "conversion_report_by_platform"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "platform_webhook_events_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "platform_health"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "platform_webhook_events_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "platforms"
            referencedColumns: ["id", "client_id"]
          },
        ]
      }
      platforms: {
        Row: {
          account_id: string | null
          account_name: string | null
          api_errors_24h: number
          client_id: string
          created_at: string
          credentials_secret_id: string | null
          followers_count: number | null
          id: string
          is_active: boolean
          kind: Database["public"]["Enums"]["platform_kind"]
          last_metrics_sync_at: string | null
          last_published_at: string | null
          max_content_length: number | null
          max_title_length: number | null
          metrics_last_error: string | null
          metrics_last_error_at: string | null
          metrics_paused_until: string | null
          min_interval_minutes: number
          name: string
          needs_reconnection: boolean
          pause_reason: string | null
          paused_until: string | null
          posts_per_day: number | null
          posts_per_hour: number | null
          publish_config: NonNullable<Json>
          reconnection_reason: string | null
          supports_analytics: boolean
          supports_deletion: boolean
          supports_editing: boolean
          supports_scheduling: boolean
          timezone: string
          updated_at: string
          webhook_url: string | null
        }
        Insert: {
          account_id?: string | null
          account_name?: string | null
          api_errors_24h?: number
          client_id: string
          created_at?: string
          credentials_secret_id?: string | null
          followers_count?: number | null
          id?: string
          is_active?: boolean
          kind: Database["public"]["Enums"]["platform_kind"]
          last_metrics_sync_at?: string | null
          last_published_at?: string | null
          max_content_length?: number | null
          max_title_length?: number | null
          metrics_last_error?: string | null
          metrics_last_error_at?: string | null
          metrics_paused_until?: string | null
          min_interval_minutes?: number
          name: string
          needs_reconnection?: boolean
          pause_reason?: string | null
          paused_until?: string | null
          posts_per_day?: number | null
          posts_per_hour?: number | null
          publish_config?: NonNullable<Json>
          reconnection_reason?: string | null
          supports_analytics?: boolean
          supports_deletion?: boolean
          supports_editing?: boolean
          supports_scheduling?: boolean
          timezone?: string
          updated_at?: string
          webhook_url?: string | null
        }
        Update: {
          account_id?: string | null
          account_name?: string | null
          api_errors_24h?: number
          client_id?: string
          created_at?: string
          credentials_secret_id?: string | null
          followers_count?: number | null
          id?: string
          is_active?: boolean
          kind?: Database["public"]["Enums"]["platform_kind"]
          last_metrics_sync_at?: string | null
          last_published_at?: string | null
          max_content_length?: number | null
          max_title_length?: number | null
          metrics_last_error?: string | null
          metrics_last_error_at?: string | null
          metrics_paused_until?: string | null
          min_interval_minutes?: number
          name?: string
          needs_reconnection?: boolean
          pause_reason?: string | null
          paused_until?: string | null
          posts_per_day?: number | null
          posts_per_hour?: number | null
          publish_config?: NonNullable<Json>
          reconnection_reason?: string | null
          supports_analytics?: boolean
          supports_deletion?: boolean
          supports_editing?: boolean
          supports_scheduling?: boolean
          timezone?: string
          updated_at?: string
          webhook_url?: string | null
        }
        Relationships: [
          {
            foreignKeyName: "platforms_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
        ]
      }
      publisher_verticals: {
        Row: {
          client_id: string
          created_at: string
          description: string | null
          id: string
          name: string
          slug: string
          updated_at: string
        }
        Insert: {
          client_id: string
          created_at?: string
          description?: string | null
          id?: string
          name: string
          slug: string
          updated_at?: string
        }
        Update: {
          client_id?: string
          created_at?: string
          description?: string | null
          id?: string
          name?: string
          slug?: string
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "publisher_verticals_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
        ]
      }
      publishing_calendar: {
        Row: {
          client_id: string
          created_at: string
          date: string
          distribution_id: string | null
          id: string
          is_ad_hoc: boolean
          is_locked: boolean
          platform_id: string
          recurring_pattern: string | null
          slot_type: string
          starts_at: string | null
          time_slot: string
          timezone: string
          updated_at: string
        }
        Insert: {
          client_id: string
          created_at?: string
          date: string
          distribution_id?: string | null
          id?: string
          is_ad_hoc?: boolean
          is_locked?: boolean
          platform_id: string
          recurring_pattern?: string | null
          slot_type?: string
          starts_at?: string | null
          time_slot: string
          timezone?: string
          updated_at?: string
        }
        Update: {
          client_id?: string
          created_at?: string
          date?: string
          distribution_id?: string | null
          id?: string
          is_ad_hoc?: boolean
          is_locked?: boolean
          platform_id?: string
          recurring_pattern?: string | null
          slot_type?: string
          starts_at?: string | null
          time_slot?: string
          timezone?: string
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "publishing_calendar_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "publishing_calendar_distribution_fkey"
            columns: ["distribution_id", "client_id"]
            isOneToOne: false
            referencedRelation: "attention_unconfirmed"
            referencedColumns: ["distribution_id", "client_id"]
          },
          {
            foreignKeyName: "publishing_calendar_distribution_fkey"
            columns: ["distribution_id", "client_id"]
            isOneToOne: false
            referencedRelation: "conversion_report"
            referencedColumns: ["distribution_id", "client_id"]
          },
          {
            foreignKeyName: "publishing_calendar_distribution_fkey"
            columns: ["distribution_id", "client_id"]
            isOneToOne: false
            referencedRelation: "distributions"
            referencedColumns: ["id", "client_id"]
          },
          {
            foreignKeyName: "publishing_calendar_distribution_fkey"
            columns: ["distribution_id", "client_id"]
            isOneToOne: false
            referencedRelation: "distributions_awaiting_approval"
            referencedColumns: ["distribution_id", "client_id"]
          },
          {
            foreignKeyName: "publishing_calendar_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "attention_platforms_to_reconnect"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "publishing_calendar_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "conversion_report_by_platform"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "publishing_calendar_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "platform_health"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "publishing_calendar_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "platforms"
            referencedColumns: ["id", "client_id"]
          },
        ]
      }
      publishing_calendar_rollups: {
        Row: {
          client_id: string
          date: string
          platform_id: string
          scheduled_posts: number
          time_slots: string[]
          timezone: string
        }
        Insert: {
          client_id: string
          date: string
          platform_id: string
          scheduled_posts: number
          time_slots: string[]
          timezone: string
        }
        Update: {
          client_id?: string
          date?: string
          platform_id?: string
          scheduled_posts?: number
          time_slots?: string[]
          timezone?: string
        }
        Relationships: [
          {
            foreignKeyName: "publishing_calendar_rollups_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "publishing_calendar_rollups_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "attention_platforms_to_reconnect"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "publishing_calendar_rollups_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "conversion_report_by_platform"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "publishing_calendar_rollups_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "platform_health"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "publishing_calendar_rollups_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "platforms"
            referencedColumns: ["id", "client_id"]
          },
        ]
      }
      retention_settings: {
        Row: {
          batch_size: number
          keep_for: string | null
          max_batches: number
          notes: string | null
          target: string
          updated_at: string
        }
        Insert: {
          batch_size?: number
          keep_for?: string | null
          max_batches?: number
          notes?: string | null
          target: string
          updated_at?: string
        }
        Update: {
          batch_size?: number
          keep_for?: string | null
          max_batches?: number
          notes?: string | null
          target?: string
          updated_at?: string
        }
        Relationships: []
      }
      webhook_deliveries: {
        Row: {
          attempts: number
          client_id: string
          created_at: string
          delivered_at: string | null
          distribution_id: string | null
          endpoint_id: string
          event: string
          id: string
          last_error: string | null
          last_status_code: number | null
          lease_expires_at: string | null
          next_attempt_at: string
          payload: NonNullable<Json>
          status: Database["public"]["Enums"]["webhook_delivery_status"]
          updated_at: string
        }
        Insert: {
          attempts?: number
          client_id: string
          created_at?: string
          delivered_at?: string | null
          distribution_id?: string | null
          endpoint_id: string
          event: string
          id?: string
          last_error?: string | null
          last_status_code?: number | null
          lease_expires_at?: string | null
          next_attempt_at?: string
          payload: NonNullable<Json>
          status?: Database["public"]["Enums"]["webhook_delivery_status"]
          updated_at?: string
        }
        Update: {
          attempts?: number
          client_id?: string
          created_at?: string
          delivered_at?: string | null
          distribution_id?: string | null
          endpoint_id?: string
          event?: string
          id?: string
          last_error?: string | null
          last_status_code?: number | null
          lease_expires_at?: string | null
          next_attempt_at?: string
          payload?: NonNullable<Json>
          status?: Database["public"]["Enums"]["webhook_delivery_status"]
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "webhook_deliveries_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "webhook_deliveries_distribution_fkey"
            columns: ["distribution_id", "client_id"]
            isOneToOne: false
            referencedRelation: "attention_unconfirmed"
            referencedColumns: ["distribution_id", "client_id"]
          },
          {
            foreignKeyName: "webhook_deliveries_distribution_fkey"
            columns: ["distribution_id", "client_id"]
            isOneToOne: false
            referencedRelation: "conversion_report"
            referencedColumns: ["distribution_id", "client_id"]
          },
          {
            foreignKeyName: "webhook_deliveries_distribution_fkey"
            columns: ["distribution_id", "client_id"]
            isOneToOne: false
            referencedRelation: "distributions"
            referencedColumns: ["id", "client_id"]
          },
          {
            foreignKeyName: "webhook_deliveries_distribution_fkey"
            columns: ["distribution_id", "client_id"]
            isOneToOne: false
            referencedRelation: "distributions_awaiting_approval"
            referencedColumns: ["distribution_id", "client_id"]
          },
          {
            foreignKeyName: "webhook_deliveries_endpoint_fkey"
            columns: ["endpoint_id", "client_id"]
            isOneToOne: false
            referencedRelation: "webhook_endpoints"
            referencedColumns: ["id", "client_id"]
          },
        ]
      }
      webhook_endpoints: {
        Row: {
          client_id: string
          created_at: string
          description: string | null
          events: string[]
          id: string
          is_active: boolean
          secret: string
          updated_at: string
          url: string
        }
        Insert: {
          client_id: string
          created_at?: string
          description?: string | null
          events?: string[]
          id?: string
          is_active?: boolean
          secret?: string
          updated_at?: string
          url: string
        }
        Update: {
          client_id?: string
          created_at?: string
          description?: string | null
          events?: string[]
          id?: string
          is_active?: boolean
          secret?: string
          updated_at?: string
          url?: string
        }
        Relationships: [
          {
            foreignKeyName: "webhook_endpoints_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
        ]
      }
    }
    Views: {
      ab_test_results: {
        Row: {
          click_through_rate: number | null
          clicks: number | null
          client_id: string | null
          ctr_diff: number | null
          ctr_p_value: number | null
          distribution_ids: string[] | null
          engagement_base: number | null
          engagement_count: number | null
          engagement_lift_pct: number | null
          engagement_p_value: number | null
          engagement_rate: number | null
          engagement_rate_diff: number | null
          engagements: number | null
          first_published_at: string | null
          impressions: number | null
          is_control: boolean | null
          posts: number | null
          published_posts: number | null
          variant: string | null
          variant_group: string | null
        }
        Insert: {
          click_through_rate?: number | null
          clicks?: number | null
          client_id?: string | null
          ctr_diff?: number | null
          ctr_p_value?: number | null
          distribution_ids?: string[] | null
          engagement_base?: number | null
          engagement_count?: number | null
          engagement_lift_pct?: number | null
          engagement_p_value?: number | null
          engagement_rate?: number | null
          engagement_rate_diff?: number | null
          engagements?: number | null
          first_published_at?: string | null
          impressions?: number | null
          is_control?: boolean | null
          posts?: number | null
          published_posts?: number | null
          variant?: string | null
          variant_group?: string | null
        }
        Update: {
          click_through_rate?: number | null
          clicks?: number | null
          client_id?: string | null
          ctr_diff?: number | null
          ctr_p_value?: number | null
          distribution_ids?: string[] | null
          engagement_base?: number | null
          engagement_count?: number | null
          engagement_lift_pct?: number | null
          engagement_p_value?: number | null
          engagement_rate?: number | null
          engagement_rate_diff?: number | null
          engagements?: number | null
          first_published_at?: string | null
          impressions?: number | null
          is_control?: boolean | null
          posts?: number | null
          published_posts?: number | null
          variant?: string | null
          variant_group?: string | null
        }
        Relationships: [
          {
            foreignKeyName: "ab_test_result_rollups_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
        ]
      }
      attention_cron_failures: {
        Row: {
          command: string | null
          end_time: string | null
          jobid: number | null
          jobname: string | null
          return_message: string | null
          runid: number | null
          start_time: string | null
          what_to_do: string | null
        }
        Relationships: []
      }
      attention_failed_requests: {
        Row: {
          attempts: number | null
          client_id: string | null
          content_id: string | null
          error: string | null
          failed_at: string | null
          request_id: string | null
          result: Json | null
          title: string | null
          what_to_do: string | null
        }
        Relationships: [
          {
            foreignKeyName: "distribution_requests_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "distribution_requests_content_fkey"
            columns: ["content_id", "client_id"]
            isOneToOne: false
            referencedRelation: "content_performance"
            referencedColumns: ["content_id", "client_id"]
          },
          {
            foreignKeyName: "distribution_requests_content_fkey"
            columns: ["content_id", "client_id"]
            isOneToOne: false
            referencedRelation: "generated_content"
            referencedColumns: ["id", "client_id"]
          },
        ]
      }
      attention_failing_webhooks: {
        Row: {
          attempts: number | null
          client_id: string | null
          delivery_id: string | null
          distribution_id: string | null
          endpoint_active: boolean | null
          endpoint_id: string | null
          event: string | null
          last_error: string | null
          last_status_code: number | null
          next_attempt_at: string | null
          status: Database["public"]["Enums"]["webhook_delivery_status"] | null
          updated_at: string | null
          url: string | null
          what_to_do: string | null
        }
        Relationships: [
          {
            foreignKeyName: "webhook_deliveries_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "webhook_deliveries_distribution_fkey"
            columns: ["distribution_id", "client_id"]
            isOneToOne: false
            referencedRelation: "attention_unconfirmed"
            referencedColumns: ["distribution_id", "client_id"]
          },
          {
            foreignKeyName: "webhook_deliveries_distribution_fkey"
            columns: ["distribution_id", "client_id"]
            isOneToOne: false
            referencedRelation: "conversion_report"
            referencedColumns: ["distribution_id", "client_id"]
          },
          {
            foreignKeyName: "webhook_deliveries_distribution_fkey"
            columns: ["distribution_id", "client_id"]
            isOneToOne: false
            referencedRelation: "distributions"
            referencedColumns: ["id", "client_id"]
          },
          {
            foreignKeyName: "webhook_deliveries_distribution_fkey"
            columns: ["distribution_id", "client_id"]
            isOneToOne: false
            referencedRelation: "distributions_awaiting_approval"
            referencedColumns: ["distribution_id", "client_id"]
          },
          {
            foreignKeyName: "webhook_deliveries_endpoint_fkey"
            columns: ["endpoint_id", "client_id"]
            isOneToOne: false
            referencedRelation: "webhook_endpoints"
            referencedColumns: ["id", "client_id"]
          },
        ]
      }
      attention_net_errors: {
        Row: {
          content: string | null
          created: string | null
          error_msg: string | null
          request_id: number | null
          status_code: number | null
          timed_out: boolean | null
          what_to_do: string | null
        }
        Insert: {
          content?: never
          created?: string | null
          error_msg?: string | null
          request_id?: number | null
          status_code?: number | null
          timed_out?: boolean | null
          what_to_do?: never
        }
        Update: {
          content?: never
          created?: string | null
          error_msg?: string | null
          request_id?: number | null
          status_code?: number | null
          timed_out?: boolean | null
          what_to_do?: never
        }
        Relationships: []
      }
      attention_platforms_to_reconnect: {
        Row: {
          client_id: string | null
          failed_on_auth: number | null
          platform: string | null
          platform_id: string | null
          platform_kind: Database["public"]["Enums"]["platform_kind"] | null
          reconnection_reason: string | null
          since: string | null
          waiting: number | null
          what_to_do: string | null
        }
        Insert: {
          client_id?: string | null
          failed_on_auth?: never
          platform?: string | null
          platform_id?: string | null
          platform_kind?: Database["public"]["Enums"]["platform_kind"] | null
          reconnection_reason?: string | null
          since?: string | null
          waiting?: never
          what_to_do?: never
        }
        Update: {
          client_id?: string | null
          failed_on_auth?: never
          platform?: string | null
          platform_id?: string | null
          platform_kind?: Database["public"]["Enums"]["platform_kind"] | null
          reconnection_reason?: string | null
          since?: string | null
          waiting?: never
          what_to_do?: never
        }
        Relationships: [
          {
            foreignKeyName: "platforms_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
        ]
      }
      attention_unconfirmed: {
        Row: {
          client_id: string | null
          distribution_id: string | null
          explanation: string | null
          external_id: string | null
          platform: string | null
          platform_kind: Database["public"]["Enums"]["platform_kind"] | null
          scheduled_for: string | null
          since: string | null
          title: string | null
          what_to_do: string | null
        }
        Relationships: [
          {
            foreignKeyName: "distributions_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
        ]
      }
      best_performing_times: {
        Row: {
          avg_engagement: number | null
          day_of_week: number | null
          hour: number | null
          platform: string | null
          posts: number | null
        }
        Relationships: []
      }
      content_performance: {
        Row: {
          avg_engagement_rate: number | null
          best_engagement_rate: number | null
          best_platform: string | null
          clicks: number | null
          client_id: string | null
          content_id: string | null
          content_type: string | null
          conversion_value: number | null
          conversions: number | null
          distributions: number | null
          engagement_rate: number | null
          engagements: number | null
          first_published_at: string | null
          impressions: number | null
          platforms: string[] | null
          published: number | null
          status: Database["public"]["Enums"]["content_status"] | null
          title: string | null
          video_views: number | null
        }
        Relationships: [
          {
            foreignKeyName: "generated_content_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
        ]
      }
      conversion_report: {
        Row: {
          clicks: number | null
          client_id: string | null
          content_id: string | null
          conversion_rate: number | null
          conversion_value: number | null
          conversions: number | null
          cross_post_group_id: string | null
          distribution_id: string | null
          kind: Database["public"]["Enums"]["platform_kind"] | null
          platform: string | null
          platform_id: string | null
          published_at: string | null
          title: string | null
        }
        Relationships: [
          {
            foreignKeyName: "distributions_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "distributions_content_fkey"
            columns: ["content_id", "client_id"]
            isOneToOne: false
            referencedRelation: "content_performance"
            referencedColumns: ["content_id", "client_id"]
          },
          {
            foreignKeyName: "distributions_content_fkey"
            columns: ["content_id", "client_id"]
            isOneToOne: false
            referencedRelation: "generated_content"
            referencedColumns: ["id", "client_id"]
          },
          {
            foreignKeyName: "distributions_cross_post_group_fkey"
            columns: ["cross_post_group_id", "client_id"]
            isOneToOne: false
            referencedRelation: "cross_post_group_summary"
            referencedColumns: ["cross_post_group_id", "client_id"]
          },
          {
            foreignKeyName: "distributions_cross_post_group_fkey"
            columns: ["cross_post_group_id", "client_id"]
            isOneToOne: false
            referencedRelation: "cross_post_groups"
            referencedColumns: ["id", "client_id"]
          },
          {
            foreignKeyName: "distributions_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "attention_platforms_to_reconnect"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "distributions_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "conversion_report_by_platform"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "distributions_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "platform_health"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "distributions_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "platforms"
            referencedColumns: ["id", "client_id"]
          },
        ]
      }
      conversion_report_by_platform: {
        Row: {
          clicks: number | null
          client_id: string | null
          conversion_rate: number | null
          conversion_value: number | null
          conversions: number | null
          kind: Database["public"]["Enums"]["platform_kind"] | null
          month: string | null
          platform: string | null
          platform_id: string | null
          posts: number | null
        }
        Relationships: [
          {
            foreignKeyName: "platforms_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
        ]
      }
      cross_post_group_summary: {
        Row: {
          click_through_rate: number | null
          clicks: number | null
          client_id: string | null
          conversions: number | null
          cross_post_group_id: string | null
          distributions: number | null
          engagement_rate: number | null
          engagements: number | null
          failed: number | null
          first_published_at: string | null
          impressions: number | null
          last_published_at: string | null
          name: string | null
          pending: number | null
          platforms: string[] | null
          published: number | null
          source_content_id: string | null
          status: Database["public"]["Enums"]["cross_post_group_status"] | null
          timing_strategy: string | null
        }
        Relationships: [
          {
            foreignKeyName: "cross_post_groups_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "cross_post_groups_source_content_fkey"
            columns: ["source_content_id", "client_id"]
            isOneToOne: false
            referencedRelation: "content_performance"
            referencedColumns: ["content_id", "client_id"]
          },
          {
            foreignKeyName: "cross_post_groups_source_content_fkey"
            columns: ["source_content_id", "client_id"]
            isOneToOne: false
            referencedRelation: "generated_content"
            referencedColumns: ["id", "client_id"]
          },
        ]
      }
      distribution_performance_by_platform: {
        Row: {
          avg_ctr: number | null
          avg_engagement_rate: number | null
          avg_impressions: number | null
          platform: string | null
          total_clicks: number | null
          total_posts: number | null
        }
        Relationships: []
      }
      distributions_awaiting_approval: {
        Row: {
          approver_user_ids: string[] | null
          body: string | null
          client_id: string | null
          client_name: string | null
          content_id: string | null
          content_type: string | null
          distribution_id: string | null
          platform_id: string | null
          platform_kind: Database["public"]["Enums"]["platform_kind"] | null
          platform_name: string | null
          scheduled_for: string | null
          slot_passed: boolean | null
          timezone: string | null
          title: string | null
          waiting_since: string | null
          what_to_do: string | null
        }
        Relationships: [
          {
            foreignKeyName: "distributions_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "distributions_content_fkey"
            columns: ["content_id", "client_id"]
            isOneToOne: false
            referencedRelation: "content_performance"
            referencedColumns: ["content_id", "client_id"]
          },
          {
            foreignKeyName: "distributions_content_fkey"
            columns: ["content_id", "client_id"]
            isOneToOne: false
            referencedRelation: "generated_content"
            referencedColumns: ["id", "client_id"]
          },
          {
            foreignKeyName: "distributions_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "attention_platforms_to_reconnect"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "distributions_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "conversion_report_by_platform"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "distributions_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "platform_health"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "distributions_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "platforms"
            referencedColumns: ["id", "client_id"]
          },
        ]
      }
      failed_distributions: {
        Row: {
          error_message: string | null
          id: string | null
          platform: string | null
          retry_count: number | null
          scheduled_for: string | null
          title: string | null
        }
        Relationships: []
      }
      pattern_lift: {
        Row: {
          avg_engagement_rate_applied: number | null
          avg_engagement_rate_not_applied: number | null
          client_id: string | null
          engagement_rate_applied: number | null
          engagement_rate_not_applied: number | null
          lift_pct: number | null
          objective: string | null
          objective_lift_pct: number | null
          objective_p_value: number | null
          objective_rate_applied: number | null
          objective_rate_not_applied: number | null
          p_value: number | null
          pattern_id: string | null
          pattern_name: string | null
          pattern_type: string | null
          platform: string | null
          platform_id: string | null
          posts_applied: number | null
          posts_not_applied: number | null
        }
        Relationships: [
          {
            foreignKeyName: "platform_patterns_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "platform_patterns_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "attention_platforms_to_reconnect"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "platform_patterns_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "conversion_report_by_platform"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "platform_patterns_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "platform_health"
            referencedColumns: ["platform_id", "client_id"]
          },
          {
            foreignKeyName: "platform_patterns_platform_fkey"
            columns: ["platform_id", "client_id"]
            isOneToOne: false
            referencedRelation: "platforms"
            referencedColumns: ["id", "client_id"]
          },
        ]
      }
      platform_health: {
        Row: {
          api_errors_24h: number | null
          client_id: string | null
          config_problem: string | null
          is_active: boolean | null
          kind: Database["public"]["Enums"]["platform_kind"] | null
          last_metrics_sync_at: string | null
          last_published_at: string | null
          limited_by: string | null
          limits_allow_at: string | null
          metrics_due_now: number | null
          metrics_errors_24h: number | null
          metrics_last_error: string | null
          metrics_paused_until: string | null
          metrics_reads_24h: number | null
          needs_reconnection: boolean | null
          pause_reason: string | null
          paused_until: string | null
          platform: string | null
          platform_id: string | null
          queue_draft: number | null
          queue_due_now: number | null
          queue_failed: number | null
          queue_publishing: number | null
          queue_scheduled: number | null
          queue_unconfirmed: number | null
          reconnection_reason: string | null
        }
        Relationships: [
          {
            foreignKeyName: "platforms_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
        ]
      }
      publishing_calendar_overview: {
        Row: {
          date: string | null
          platform: string | null
          scheduled_posts: number | null
          time_slots: string[] | null
        }
        Relationships: []
      }
    }
    Functions: {
      approve_distribution: {
        Args: { p_id: string; p_if_passed?: string }
        Returns: Json
      }
      cancel_distribution: { Args: { p_id: string }; Returns: Json }
      create_webhook_endpoint: {
        Args: {
          p_client_id: string
          p_description?: string
          p_events?: string[]
          p_url: string
        }
        Returns: Json
      }
      edit_live_distribution: {
        Args: { p_content: Json; p_id: string }
        Returns: Json
      }
      normal_cdf: { Args: { z: number }; Returns: number }
      normal_two_sided_p: { Args: { z: number }; Returns: number }
      publish_distribution_now: { Args: { p_id: string }; Returns: Json }
      reconnect_platform: {
        Args: { p_credentials: Json; p_platform_id: string }
        Returns: Json
      }
      record_conversion: { Args: { p: Json }; Returns: Json }
      reject_distribution: {
        Args: { p_id: string; p_reason: string }
        Returns: Json
      }
      reschedule_distribution: {
        Args: {
          p_at?: string
          p_horizon_days?: number
          p_id: string
          p_nearest?: boolean
        }
        Returns: Json
      }
      retry_distribution: { Args: { p_id: string }; Returns: Json }
      retry_failed_on_auth: { Args: { p_platform_id: string }; Returns: Json }
      rotate_webhook_secret: {
        Args: { p_endpoint_id: string }
        Returns: string
      }
      two_proportion_p_value: {
        Args: { n1: number; n2: number; x1: number; x2: number }
        Returns: number
      }
      unpublish_distribution: { Args: { p_id: string }; Returns: Json }
    }
    Enums: {
      ab_test_status: "running" | "concluded"
      content_status:
        | "draft"
        | "ready_for_distribution"
        | "distributing"
        | "distributed"
        | "failed"
      cross_post_group_status:
        | "pending"
        | "in_progress"
        | "completed"
        | "partial"
        | "failed"
      distribution_attempt_kind: "publish" | "handoff"
      distribution_edit_state: "requested" | "edited" | "failed"
      distribution_native_state: "handed_off" | "declined"
      distribution_request_status: "pending" | "processing" | "done" | "failed"
      distribution_status:
        | "draft"
        | "scheduled"
        | "publishing"
        | "published"
        | "failed"
        | "cancelled"
        | "unconfirmed"
        | "pending_approval"
        | "rejected"
      distribution_unpublish_state:
        | "requested"
        | "unpublished"
        | "failed"
        | "removed_on_platform"
      platform_cancellation_status: "pending" | "working" | "done" | "failed"
      platform_kind:
        | "wordpress"
        | "x"
        | "linkedin"
        | "youtube"
        | "email"
        | "instagram"
        | "tiktok"
        | "podcast"
      webhook_delivery_status: "pending" | "delivering" | "delivered" | "failed"
    }
    CompositeTypes: {
      [_ in never]: never
    }
  }
  scheduling: {
    Tables: {
      [_ in never]: never
    }
    Views: {
      [_ in never]: never
    }
    Functions: {
      blocked_spans: {
        Args: {
          p_exclude?: string
          p_from: string
          p_platform_id: string
          p_to: string
        }
        Returns: {
          hi: string
          lo: string
          why: string
        }[]
      }
      calendar_occurrences: {
        Args: {
          p_from: string
          p_platform_id: string
          p_recurring_only?: boolean
          p_to: string
        }
        Returns: {
          at: string
          calendar_id: string
          date: string
          distribution_id: string
          is_locked: boolean
          slot_type: string
          template_id: string
          time_slot: string
          timezone: string
        }[]
      }
      default_posting_times: {
        Args: { p_kind: string }
        Returns: {
          day_of_week: number
          hour: number
          score: number
        }[]
      }
      distribution_json: {
        Args: { p_id: string; p_note?: string }
        Returns: Json
      }
      distribution_priority: {
        Args: { p_row: Database["public"]["Tables"]["distributions"]["Row"] }
        Returns: string
      }
      error_field: {
        Args: { p_column: string; p_constraint: string; p_sqlstate: string }
        Returns: string
      }
      failed_on_auth: { Args: { p_platform_id: string }; Returns: string[] }
      find_slot: {
        Args: {
          p_exclude?: string
          p_horizon?: string
          p_not_before?: string
          p_platform_id: string
          p_priority?: string
          p_slot_type?: string
          p_tz: string
        }
        Returns: {
          at: string
          calendar_id: string
          slot_type: string
          source: string
          template_id: string
        }[]
      }
      free_calendar_slots: {
        Args: { p_from: string; p_platform_id: string; p_to: string }
        Returns: {
          at: string
          calendar_id: string
          slot_type: string
          template_id: string
        }[]
      }
      hour_scores: {
        Args: { p_platform_id: string }
        Returns: {
          day_of_week: number
          hour: number
          score: number
        }[]
      }
      live_edit_refusal: {
        Args: { p_platform: Database["public"]["Tables"]["platforms"]["Row"] }
        Returns: string
      }
      local_to_utc: { Args: { p_local: string; p_tz: string }; Returns: string }
      lock_distribution: {
        Args: { p_id: string }
        Returns: Database["public"]["Tables"]["distributions"]["Row"]
        SetofOptions: {
          from: "*"
          to: "distributions"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      lock_for_review: {
        Args: { p_id: string }
        Returns: Database["public"]["Tables"]["distributions"]["Row"]
        SetofOptions: {
          from: "*"
          to: "distributions"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      nearest_allowed: {
        Args: {
          p_at: string
          p_exclude?: string
          p_platform_id: string
          p_slot_types?: string[]
          p_tz: string
        }
        Returns: string
      }
      now_if_just_past: { Args: { p_at: string }; Returns: string }
      placing_patterns: { Args: { p_platform_id: string }; Returns: string[] }
      platform_posts: {
        Args: {
          p_exclude?: string
          p_from: string
          p_platform_id: string
          p_to: string
        }
        Returns: string[]
      }
      posting_times: {
        Args: { p_platform_id: string }
        Returns: {
          day_of_week: number
          hour: number
          score: number
        }[]
      }
      queue_live_edit: {
        Args: { p_content: Json; p_id: string }
        Returns: undefined
      }
      queue_unpublish: { Args: { p_id: string }; Returns: undefined }
      record_placement: {
        Args: { p_distribution_id: string; p_placed_by_patterns: boolean }
        Returns: undefined
      }
      refuse_transition: {
        Args: {
          p_action: string
          p_row: Database["public"]["Tables"]["distributions"]["Row"]
          p_to: string
        }
        Returns: undefined
      }
      schedule_content: { Args: { p_request: Json }; Returns: Json }
      slot_conflict: {
        Args: {
          p_allow_locked?: boolean
          p_at: string
          p_exclude?: string
          p_platform_id: string
          p_slot_types?: string[]
          p_tz: string
        }
        Returns: string
      }
      slot_types_for: {
        Args: { p_priority: string; p_variant: boolean }
        Returns: string[]
      }
      to_local_iso: { Args: { p_at: string; p_tz: string }; Returns: string }
      to_utc_iso: { Args: { p_at: string }; Returns: string }
      unpublish_refusal: {
        Args: { p_platform: Database["public"]["Tables"]["platforms"]["Row"] }
        Returns: string
      }
      utc_offset: { Args: { p_at: string; p_tz: string }; Returns: string }
      wake_publisher: { Args: { p_client_id: string }; Returns: undefined }
      window_full: {
        Args: {
          p_at: string
          p_exclude?: string
          p_len: string
          p_max: number
          p_platform_id: string
        }
        Returns: boolean
      }
    }
    Enums: {
      [_ in never]: never
    }
    CompositeTypes: {
      [_ in never]: never
    }
  }
}

type DatabaseWithoutInternals = Omit<Database, "__InternalSupabase">

type DefaultSchema = DatabaseWithoutInternals[Extract<keyof Database, "public">]

export type Tables<
  DefaultSchemaTableNameOrOptions extends
    | keyof (DefaultSchema["Tables"] & DefaultSchema["Views"])
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends (DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof (DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"] &
        DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"])
    : never) = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? (DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"] &
      DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"])[TableName] extends {
      Row: infer R
    }
    ? R
    : never
  : DefaultSchemaTableNameOrOptions extends keyof (DefaultSchema["Tables"] &
        DefaultSchema["Views"])
    ? (DefaultSchema["Tables"] &
        DefaultSchema["Views"])[DefaultSchemaTableNameOrOptions] extends {
        Row: infer R
      }
      ? R
      : never
    : never

export type TablesInsert<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends (DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never) = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends {
      Insert: infer I
    }
    ? I
    : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
    ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
        Insert: infer I
      }
      ? I
      : never
    : never

export type TablesUpdate<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends (DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never) = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends {
      Update: infer U
    }
    ? U
    : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
    ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
        Update: infer U
      }
      ? U
      : never
    : never

export type Enums<
  DefaultSchemaEnumNameOrOptions extends
    | keyof DefaultSchema["Enums"]
    | { schema: keyof DatabaseWithoutInternals },
  EnumName extends (DefaultSchemaEnumNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"]
    : never) = never,
> = DefaultSchemaEnumNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"][EnumName]
  : DefaultSchemaEnumNameOrOptions extends keyof DefaultSchema["Enums"]
    ? DefaultSchema["Enums"][DefaultSchemaEnumNameOrOptions]
    : never

export type CompositeTypes<
  PublicCompositeTypeNameOrOptions extends
    | keyof DefaultSchema["CompositeTypes"]
    | { schema: keyof DatabaseWithoutInternals },
  CompositeTypeName extends (PublicCompositeTypeNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"]
    : never) = never,
> = PublicCompositeTypeNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"][CompositeTypeName]
  : PublicCompositeTypeNameOrOptions extends keyof DefaultSchema["CompositeTypes"]
    ? DefaultSchema["CompositeTypes"][PublicCompositeTypeNameOrOptions]
    : never

export const Constants = {
  private: {
    Enums: {},
  },
  public: {
    Enums: {
      ab_test_status: ["running", "concluded"],
      content_status: [
        "draft",
        "ready_for_distribution",
        "distributing",
        "distributed",
        "failed",
      ],
      cross_post_group_status: [
        "pending",
        "in_progress",
        "completed",
        "partial",
        "failed",
      ],
      distribution_attempt_kind: ["publish", "handoff"],
      distribution_edit_state: ["requested", "edited", "failed"],
      distribution_native_state: ["handed_off", "declined"],
      distribution_request_status: ["pending", "processing", "done", "failed"],
      distribution_status: [
        "draft",
        "scheduled",
        "publishing",
        "published",
        "failed",
        "cancelled",
        "unconfirmed",
        "pending_approval",
        "rejected",
      ],
      distribution_unpublish_state: [
        "requested",
        "unpublished",
        "failed",
        "removed_on_platform",
      ],
      platform_cancellation_status: ["pending", "working", "done", "failed"],
      platform_kind: [
        "wordpress",
        "x",
        "linkedin",
        "youtube",
        "email",
        "instagram",
        "tiktok",
        "podcast",
      ],
      webhook_delivery_status: ["pending", "delivering", "delivered", "failed"],
    },
  },
  scheduling: {
    Enums: {},
  },
} as const

