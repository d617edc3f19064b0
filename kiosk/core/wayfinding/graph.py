"""The routing graph and A* over it: waypoints as integers, adjacency lists weighted in walking
seconds (corridors by length, doors, stairs and escalators per floor, elevators by wait plus per
floor). Built once per building and kept in ``Building.cache``.
"""

from __future__ import annotations

import heapq
import math

from kiosk.core.wayfinding.model import Building, Connection, Kind, Restriction


class Graph:
    """Waypoints as integers and adjacency lists of (neighbour, seconds, edge index)."""

    def __init__(self, building: Building, accessible: bool) -> None:
        costs = building.costs
        self.ids = [w.id for w in building.waypoints]
        self.index = {wid: i for i, wid in enumerate(self.ids)}
        levels = {f.id: f.level for f in building.floors}
        self.x = [w.x for w in building.waypoints]
        self.y = [w.y for w in building.waypoints]
        self.level = [levels[w.floor] for w in building.waypoints]
        self.adjacency: list[list[tuple[int, float, int]]] = [[] for _ in self.ids]
        self.edges: list[tuple[Connection, float]] = []
        per_floor = {
            Kind.STAIRS: costs.stairs_per_floor,
            Kind.ESCALATOR: costs.escalator_per_floor,
            Kind.ELEVATOR: costs.elevator_per_floor,
        }
        # the least a change of n floors can cost: min(stepped * n, wait + elevator * n);
        # consistent, so A* never has to reopen a waypoint
        kinds = {c.kind for c in building.connections}
        stepped = [per_floor[k] for k in (Kind.STAIRS, Kind.ESCALATOR) if k in kinds]
        self.stepped_per_floor = min(stepped) if stepped and not accessible else math.inf
        has_elevator = Kind.ELEVATOR in kinds
        self.elevator_wait = costs.elevator_wait if has_elevator else math.inf
        self.elevator_per_floor = costs.elevator_per_floor if has_elevator else math.inf
        for a, b, c in building.edges():
            if c.restriction is Restriction.STAFF:
                continue
            if accessible and (c.kind in (Kind.STAIRS, Kind.ESCALATOR) or c.restriction):
                continue
            i, j = self.index[a], self.index[b]
            metres = math.hypot(self.x[i] - self.x[j], self.y[i] - self.y[j])
            seconds = metres / costs.walk_speed
            floors = abs(self.level[i] - self.level[j])
            if c.kind is Kind.DOOR:
                seconds += costs.door
            elif c.kind.vertical:
                seconds += per_floor[c.kind] * floors
                if c.kind is Kind.ELEVATOR:
                    seconds += costs.elevator_wait
            self.adjacency[i].append((j, seconds, len(self.edges)))
            self.edges.append((c, metres))
        self.speed = costs.walk_speed


def graph_for(building: Building, accessible: bool) -> Graph:
    key = "wayfinding.graph.accessible" if accessible else "wayfinding.graph"
    graph = building.cache.get(key)
    if graph is None:
        graph = building.cache[key] = Graph(building, accessible)
    return graph


def search(graph: Graph, source: int, goal: int) -> list[tuple[int, int, float]] | None:
    """A* from source to goal; the path as (waypoint, edge index, seconds), or None."""
    gx, gy, gl = graph.x[goal], graph.y[goal], graph.level[goal]
    xs, ys, levels, speed = graph.x, graph.y, graph.level, graph.speed
    stepped, wait, lift = graph.stepped_per_floor, graph.elevator_wait, graph.elevator_per_floor
    adjacency = graph.adjacency
    inf = math.inf
    best = [inf] * len(xs)
    best[source] = 0.0
    came: dict[int, tuple[int, int, float]] = {}
    done = bytearray(len(xs))
    queue: list[tuple[float, float, int]] = [(0.0, 0.0, source)]
    push, pop, hypot = heapq.heappush, heapq.heappop, math.hypot
    while queue:
        _, cost, node = pop(queue)
        if node == goal:
            break
        if done[node]:
            continue
        done[node] = 1
        for nxt, seconds, edge in adjacency[node]:
            total = cost + seconds
            if total < best[nxt]:
                best[nxt] = total
                came[nxt] = (node, edge, seconds)
                h = hypot(xs[nxt] - gx, ys[nxt] - gy) / speed
                floors = levels[nxt] - gl
                if floors:
                    floors = abs(floors)
                    h += min(stepped * floors, wait + lift * floors)
                push(queue, (total + h, total, nxt))
    else:
        return None
    path: list[tuple[int, int, float]] = []
    node = goal
    while node != source:
        prev, edge, seconds = came[node]
        path.append((node, edge, seconds))
        node = prev
    path.reverse()
    return path
