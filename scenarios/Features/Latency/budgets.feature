@latency @platform
Feature: End-to-end latency stays within budget
  Each reading is timestamped at every hop: stimulus injected, published by the node, received by the
  broker, delivered to the backend, stored. The distributions go into the report.

  @smoke
  Scenario: readings reach the database quickly
    Given a node running firmware "3.0.0"
    When the node sends 200 readings
    Then the 95th percentile latency from sensor sample to stored reading is below 200 ms
    And the latency distribution is shown in the report

  Scenario: a command reaches the node within a second
    Given a node running firmware "3.0.0"
    When an operator asks the node to open the ventilation flap to 40 %
    Then the node acknowledges within 1 second
    And the node's console shows the flap at 40 %

  Scenario: commands are acknowledged within a second, at the 95th percentile
    Given a node running firmware "3.0.0"
    When an operator moves the node's flap 50 times
    Then the 95th percentile from command created to acknowledged is below 1000 ms

  Scenario: a slow broker stays within the reading budget
    Given a node running firmware "2.1.0" with protocol v2
    And the broker delays every message by 20 ms
    When the node sends 50 readings
    Then the 95th percentile latency from sensor sample to stored reading is below 200 ms
    And the latency distribution is shown in the report
